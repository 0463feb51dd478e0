import { Injectable } from '@nestjs/common';
import { EventBus } from '../../common/events/event-bus';
import { RequestContext } from '../../common/context/request-context';
import { AgentErrors } from '../agents/agents.errors';
import { AgentsService } from '../agents/agents.service';
import { parseSessionKey } from './session-key';
import { ReasoningLevel, SessionView, ThinkingLevel, VerboseLevel } from './session.types';
import { SessionErrors } from './sessions.errors';
import { Session } from './entities/session.entity';
import { SessionRow, SessionsRepository } from './sessions.repository';

export function toSessionView(row: SessionRow): SessionView {
  return {
    key: row.key,
    agentId: row.agentId,
    name: row.name,
    label: row.label,
    thinkingLevel: row.thinkingLevel as ThinkingLevel | null,
    verboseLevel: row.verboseLevel as VerboseLevel | null,
    reasoningLevel: row.reasoningLevel as ReasoningLevel | null,
    model: row.model,
    parentKey: row.parentKey,
    forkPoint: row.forkPoint,
    parentMissing: row.parentMissing,
    agentExists: row.agentExists,
    messageCount: row.messageCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastRunAt: row.lastRunAt ? row.lastRunAt.toISOString() : null,
  };
}

/**
 * Finding and creating sessions: the part of the sessions module the runtime
 * needs (RunsService depends on this, SessionsService on RunsService).
 */
@Injectable()
export class SessionStore {
  constructor(
    private readonly repo: SessionsRepository,
    private readonly agents: AgentsService,
    private readonly events: EventBus,
  ) {}

  /** 400 on a malformed key, 404 SESSION_NOT_FOUND when missing. */
  async get(rawKey: string): Promise<SessionView> {
    const { key } = parseSessionKey(rawKey);
    const row = await this.repo.findRow(key);
    if (!row) throw SessionErrors.notFound(key);
    return toSessionView(row);
  }

  async find(rawKey: string): Promise<SessionView | null> {
    const { key } = parseSessionKey(rawKey);
    const row = await this.repo.findRow(key);
    return row ? toSessionView(row) : null;
  }

  /** The session, created when missing (its agent must exist: 404 AGENT_NOT_FOUND otherwise). */
  async ensure(
    rawKey: string,
    init: { label?: string | null; model?: string | null } = {},
  ): Promise<SessionView> {
    const parsed = parseSessionKey(rawKey);
    const existing = await this.repo.findRow(parsed.key);
    if (existing) return toSessionView(existing);
    if (!(await this.agents.findEntity(parsed.agentId))) throw AgentErrors.notFound(parsed.agentId);
    const created = await this.repo.insertIfMissing({
      ...parsed,
      label: init.label ?? null,
      model: init.model ?? null,
    });
    const row = await this.repo.findRow(parsed.key);
    if (!row) throw SessionErrors.notFound(parsed.key);
    if (created) this.changed(row.key, 'created');
    return toSessionView(row);
  }

  /**
   * The session row without the computed fields (cheap: the run hot path),
   * created when missing like ensure().
   */
  async ensureLight(rawKey: string): Promise<Session> {
    const parsed = parseSessionKey(rawKey);
    const existing = await this.repo.findByKey(parsed.key);
    if (existing) return existing;
    await this.ensure(parsed.key);
    const created = await this.repo.findByKey(parsed.key);
    if (!created) throw SessionErrors.notFound(parsed.key);
    return created;
  }

  /** The session row without the computed fields, or null. */
  findLight(key: string): Promise<Session | null> {
    return this.repo.findByKey(key);
  }

  changed(sessionKey: string, reason: string, payload?: Record<string, unknown>): void {
    this.events.publish('sessions.changed', {
      organizationId: RequestContext.organizationId(),
      sessionKey,
      reason,
      payload,
    });
  }
}
