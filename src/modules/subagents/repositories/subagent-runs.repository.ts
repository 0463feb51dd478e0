import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, In, IsNull, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { SubagentRun, SubagentStatus } from '../entities/subagent-run.entity';

export interface SubagentRunFilter {
  sessionKey?: string;
  parentSessionKey?: string;
  status?: SubagentStatus;
  target?: string;
  limit: number;
  offset: number;
}

/** Subagent runs of the current organization. */
@Injectable()
export class SubagentRunsRepository {
  constructor(@InjectRepository(SubagentRun) private readonly repo: Repository<SubagentRun>) {}

  insert(
    values: Pick<SubagentRun, 'sessionKey' | 'parentSessionKey' | 'target' | 'command'>,
  ): Promise<SubagentRun> {
    return this.repo.save(
      this.repo.create({ ...values, organizationId: RequestContext.organizationId(), status: 'queued' }),
    );
  }

  findById(id: string): Promise<SubagentRun | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  /** By the subagent run's id or by the id of its run. */
  findByIdOrRunId(id: string): Promise<SubagentRun | null> {
    const organizationId = RequestContext.organizationId();
    return this.repo.findOne({
      where: [
        { id, organizationId },
        { runId: id, organizationId },
      ],
    });
  }

  async list(filter: SubagentRunFilter): Promise<[SubagentRun[], number]> {
    const where: FindOptionsWhere<SubagentRun> = { organizationId: RequestContext.organizationId() };
    if (filter.sessionKey) where.sessionKey = filter.sessionKey;
    if (filter.parentSessionKey) where.parentSessionKey = filter.parentSessionKey;
    if (filter.status) where.status = filter.status;
    if (filter.target) where.target = filter.target;
    return this.repo.findAndCount({
      where,
      order: { createdAt: 'DESC' },
      take: filter.limit,
      skip: filter.offset,
    });
  }

  async update(id: string, changes: Partial<Omit<SubagentRun, 'id' | 'organizationId'>>): Promise<void> {
    await this.repo.update({ id, organizationId: RequestContext.organizationId() }, changes);
  }

  /** Records the run's terminal state once (a later call for the same run changes nothing). */
  async finish(id: string, status: SubagentStatus, error: string | null): Promise<boolean> {
    const result = await this.repo.update(
      { id, organizationId: RequestContext.organizationId(), status: In(['queued', 'running']) },
      { status, error, finishedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Claims the announce of a finished subagent (true for exactly one caller). */
  async claimAnnounce(id: string): Promise<boolean> {
    const result = await this.repo.update(
      { id, organizationId: RequestContext.organizationId(), announcedAt: IsNull() },
      { announcedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }
}
