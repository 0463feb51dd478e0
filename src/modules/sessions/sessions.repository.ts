import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { Session } from './entities/session.entity';
import { SessionListFilter } from './session.types';

/** A session row plus what list and get show about its surroundings. */
export interface SessionRow extends Session {
  parentMissing: boolean;
  agentExists: boolean;
  messageCount: number;
}

const SELECT_ROW = `
  SELECT s.*,
    (s.parent_key IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM sessions p WHERE p.organization_id = s.organization_id AND p.key = s.parent_key)) AS parent_missing,
    EXISTS (SELECT 1 FROM agents a WHERE a.organization_id = s.organization_id AND a.id = s.agent_id) AS agent_exists,
    (SELECT count(*) FROM messages m WHERE m.organization_id = s.organization_id AND m.session_key = s.key)::int AS message_count
  FROM sessions s`;

function toRow(raw: Record<string, any>): SessionRow {
  return {
    id: raw.id,
    organizationId: raw.organization_id,
    key: raw.key,
    agentId: raw.agent_id,
    name: raw.name,
    label: raw.label,
    thinkingLevel: raw.thinking_level,
    verboseLevel: raw.verbose_level,
    reasoningLevel: raw.reasoning_level,
    model: raw.model,
    parentKey: raw.parent_key,
    forkPoint: raw.fork_point,
    createdAt: new Date(raw.created_at),
    updatedAt: new Date(raw.updated_at),
    lastRunAt: raw.last_run_at ? new Date(raw.last_run_at) : null,
    parentMissing: !!raw.parent_missing,
    agentExists: !!raw.agent_exists,
    messageCount: Number(raw.message_count ?? 0),
  };
}

@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(Session) private readonly repo: Repository<Session>) {}

  /** For /api/health: sessions of every organization, and how many ran within the last hour. */
  async countsAcrossOrganizations(): Promise<{ total: number; active_last_hour: number }> {
    const [row] = await this.repo.query(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE last_run_at > now() - interval '1 hour'))::int AS active
         FROM sessions`,
    );
    return { total: row.total, active_last_hour: row.active };
  }

  async findRow(key: string): Promise<SessionRow | null> {
    const rows = await this.repo.query(`${SELECT_ROW} WHERE s.organization_id = $1 AND s.key = $2`, [
      RequestContext.organizationId(),
      key,
    ]);
    return rows.length ? toRow(rows[0]) : null;
  }

  findByKey(key: string): Promise<Session | null> {
    return this.repo.findOne({ where: { organizationId: RequestContext.organizationId(), key } });
  }

  async list(filter: SessionListFilter): Promise<{ items: SessionRow[]; total: number }> {
    const params: unknown[] = [RequestContext.organizationId()];
    const where = ['s.organization_id = $1'];
    if (filter.agentId) {
      params.push(filter.agentId);
      where.push(`s.agent_id = $${params.length}`);
    }
    if (filter.label) {
      params.push(filter.label);
      where.push(`s.label = $${params.length}`);
    }
    if (filter.search) {
      params.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(s.key ILIKE $${params.length} OR s.label ILIKE $${params.length})`);
    }
    if (filter.activeMinutes) {
      params.push(filter.activeMinutes);
      where.push(`s.updated_at >= now() - make_interval(mins => $${params.length}::int)`);
    }
    const clause = where.join(' AND ');
    const [{ total }] = await this.repo.query(
      `SELECT count(*)::int AS total FROM sessions s WHERE ${clause}`,
      params,
    );
    params.push(filter.limit ?? 50, filter.offset ?? 0);
    const rows = await this.repo.query(
      `${SELECT_ROW} WHERE ${clause} ORDER BY s.updated_at DESC, s.key ASC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { items: rows.map(toRow), total };
  }

  async listAllRows(limit: number): Promise<SessionRow[]> {
    const rows = await this.repo.query(
      `${SELECT_ROW} WHERE s.organization_id = $1 ORDER BY s.created_at ASC, s.key ASC LIMIT $2`,
      [RequestContext.organizationId(), limit],
    );
    return rows.map(toRow);
  }

  /** Inserts the session unless it exists; true when this call created it. */
  async insertIfMissing(
    values: Partial<Session> & { key: string; agentId: string; name: string },
  ): Promise<boolean> {
    const rows: unknown[] = await this.repo.query(
      `INSERT INTO sessions (organization_id, key, agent_id, name, label, thinking_level, verbose_level, reasoning_level, model, parent_key, fork_point)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (organization_id, key) DO NOTHING RETURNING id`,
      [
        RequestContext.organizationId(),
        values.key,
        values.agentId,
        values.name,
        values.label ?? null,
        values.thinkingLevel ?? null,
        values.verboseLevel ?? null,
        values.reasoningLevel ?? null,
        values.model ?? null,
        values.parentKey ?? null,
        values.forkPoint ?? null,
      ],
    );
    return rows.length > 0;
  }

  async update(
    key: string,
    changes: Partial<Pick<Session, 'label' | 'thinkingLevel' | 'verboseLevel' | 'reasoningLevel' | 'model'>>,
  ): Promise<void> {
    await this.repo.update(
      { organizationId: RequestContext.organizationId(), key },
      { ...changes, updatedAt: new Date() },
    );
  }

  async touchRun(key: string, at = new Date()): Promise<void> {
    await this.repo.update(
      { organizationId: RequestContext.organizationId(), key },
      { lastRunAt: at, updatedAt: at },
    );
  }

  async delete(key: string): Promise<boolean> {
    const result = await this.repo.delete({ organizationId: RequestContext.organizationId(), key });
    return (result.affected ?? 0) > 0;
  }
}
