import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { SubagentLogEntry, SubagentLogKind } from '../entities/subagent-log-entry.entity';

export interface NewLogEntry {
  subagentRunId: string;
  runId: string | null;
  seq: number;
  kind: SubagentLogKind;
  summary: string;
  data: Record<string, unknown> | null;
}

/** The event log of subagent runs (subagents_log) of the current organization. */
@Injectable()
export class SubagentsLogRepository {
  constructor(@InjectRepository(SubagentLogEntry) private readonly repo: Repository<SubagentLogEntry>) {}

  async insert(entry: NewLogEntry): Promise<void> {
    const row: Partial<SubagentLogEntry> = { ...entry, organizationId: RequestContext.organizationId() };
    await this.repo.insert(row as Parameters<Repository<SubagentLogEntry>['insert']>[0]);
  }

  list(
    subagentRunId: string,
    filter: { kind?: SubagentLogKind; limit: number; offset: number },
  ): Promise<[SubagentLogEntry[], number]> {
    const where: FindOptionsWhere<SubagentLogEntry> = {
      organizationId: RequestContext.organizationId(),
      subagentRunId,
    };
    if (filter.kind) where.kind = filter.kind;
    return this.repo.findAndCount({ where, order: { seq: 'ASC' }, take: filter.limit, skip: filter.offset });
  }
}
