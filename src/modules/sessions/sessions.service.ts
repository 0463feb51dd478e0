import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppException } from '../../common/errors/app-exception';
import { AgentErrors } from '../agents/agents.errors';
import { AgentsService } from '../agents/agents.service';
import { MAIN_AGENT_ID } from '../agents/agent.types';
import { AuditService } from '../auth/services/audit.service';
import { RunsService } from '../runtime/runs.service';
import { MessagesRepository } from './messages.repository';
import { RunsRepository } from '../runtime/runs.repository';
import { parseSessionKey, sessionKey } from './session-key';
import { checkLevel } from './session-levels';
import { SessionStore, toSessionView } from './session-store';
import {
  ContentBlock,
  ForkInput,
  HistoryPage,
  SessionListFilter,
  SessionPatch,
  SessionTreeNode,
  SessionView,
  SpawnInput,
} from './session.types';
import { SessionErrors } from './sessions.errors';
import { SessionsRepository } from './sessions.repository';

/** A non-default spawn runtime (e.g. `acp`, registered by the ACP module). */
export type SpawnRuntimeHandler = (session: SessionView, input: SpawnInput) => Promise<{ runId?: string }>;

/** Optional checks of a spawn runtime, run before the session is created (a refused spawn leaves nothing behind). */
export interface SpawnRuntimeOptions {
  validate?(input: SpawnInput): Promise<void> | void;
}

const MAX_TREE_NODES = 5000;

/**
 * Sessions of the current organization: list, tree, spawn, fork, settings,
 * kill, delete (never cascading) and history. REST, the WebSocket bridge and
 * the CLI all call these methods.
 */
@Injectable()
export class SessionsService {
  private readonly runtimes = new Map<string, SpawnRuntimeHandler>();
  private readonly runtimeOptions = new Map<SpawnRuntimeHandler, SpawnRuntimeOptions>();

  constructor(
    private readonly repo: SessionsRepository,
    private readonly store: SessionStore,
    private readonly messages: MessagesRepository,
    private readonly runs: RunsService,
    private readonly runsRepo: RunsRepository,
    private readonly agents: AgentsService,
    private readonly audit: AuditService,
  ) {}

  /** Lets a module handle `spawn({runtime: name})` (the ACP module registers `acp`). */
  registerSpawnRuntime(name: string, handler: SpawnRuntimeHandler, options: SpawnRuntimeOptions = {}): () => void {
    this.runtimes.set(name, handler);
    this.runtimeOptions.set(handler, options);
    return () => {
      if (this.runtimes.get(name) === handler) this.runtimes.delete(name);
      this.runtimeOptions.delete(handler);
    };
  }

  async list(filter: SessionListFilter): Promise<{ items: SessionView[]; total: number }> {
    const { items, total } = await this.repo.list({
      ...filter,
      limit: Math.min(Math.max(filter.limit ?? 50, 1), 500),
      offset: Math.max(filter.offset ?? 0, 0),
    });
    return { items: items.map(toSessionView), total };
  }

  /** Every session as a forest: roots are sessions without a parent or whose parent was deleted. */
  async tree(): Promise<SessionTreeNode[]> {
    const rows = await this.repo.listAllRows(MAX_TREE_NODES);
    const nodes = new Map<string, SessionTreeNode>(
      rows.map((r) => [
        r.key,
        {
          key: r.key,
          label: r.label,
          agentId: r.agentId,
          parentKey: r.parentKey,
          forkPoint: r.forkPoint,
          parentMissing: r.parentMissing,
          children: [],
        },
      ]),
    );
    const roots: SessionTreeNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentKey ? nodes.get(node.parentKey) : undefined;
      if (parent && parent !== node) parent.children.push(node);
      else roots.push(node);
    }
    return roots;
  }

  get(key: string): Promise<SessionView> {
    return this.store.get(key);
  }

  ensure(key: string): Promise<SessionView> {
    return this.store.ensure(key);
  }

  async spawn(input: SpawnInput): Promise<{ session: SessionView; runId?: string }> {
    const runtime = input.runtime ?? 'agent';
    const custom = runtime === 'agent' ? undefined : this.runtimes.get(runtime);
    if (runtime !== 'agent' && !custom)
      throw runtime === 'acp' ? SessionErrors.acpDisabled() : SessionErrors.unknownRuntime(runtime);
    if (custom) await this.runtimeOptions.get(custom)?.validate?.(input);
    const parentKey = input.parentKey === undefined ? null : (await this.store.ensure(input.parentKey)).key;
    const agentId = input.agentId ?? MAIN_AGENT_ID;
    if (!(await this.agents.findEntity(agentId))) throw AgentErrors.notFound(agentId);
    const name = input.name ?? `spawn-${randomBytes(4).toString('hex')}`;
    const { key } = parseSessionKey(sessionKey(agentId, name));
    const created = await this.repo.insertIfMissing({
      key,
      agentId,
      name,
      label: input.label ?? null,
      model: input.model ?? null,
      ...(parentKey ? { parentKey } : {}),
    });
    if (!created) throw SessionErrors.exists(key);
    this.store.changed(key, 'created', { spawned: true });
    const session = await this.store.get(key);
    if (custom) {
      const { runId } = await custom(session, input);
      return { session, ...(runId ? { runId } : {}) };
    }
    if (!input.task) return { session };
    const run = await this.runs.start({
      sessionKey: key,
      message: input.task,
      source: 'spawn',
      ...(input.runTimeoutSeconds ? { timeoutMs: input.runTimeoutSeconds * 1000 } : {}),
    });
    return { session: await this.store.get(key), runId: run.runId };
  }

  async fork(input: ForkInput): Promise<SessionView> {
    const source = await this.store.get(input.sourceKey);
    const total = await this.messages.count(source.key);
    const forkPoint = input.forkPoint ?? total;
    if (!Number.isInteger(forkPoint) || forkPoint < 0 || forkPoint > total)
      throw SessionErrors.forkPointOutOfRange(forkPoint, total);
    const target = parseSessionKey(
      input.targetKey ??
        sessionKey(source.agentId, `${source.name}-fork-${randomBytes(3).toString('hex')}`.slice(-200)),
    );
    if (target.agentId !== source.agentId && !(await this.agents.findEntity(target.agentId)))
      throw AgentErrors.notFound(target.agentId);
    const created = await this.repo.insertIfMissing({
      key: target.key,
      agentId: target.agentId,
      name: target.name,
      label: source.label,
      thinkingLevel: source.thinkingLevel,
      verboseLevel: source.verboseLevel,
      reasoningLevel: source.reasoningLevel,
      model: source.model,
      parentKey: source.key,
      forkPoint,
    });
    if (!created) throw SessionErrors.exists(target.key);
    if (forkPoint > 0) await this.messages.copy(source.key, target.key, forkPoint);
    await this.audit.record({
      action: 'session.fork',
      target: target.key,
      details: { source: source.key, fork_point: forkPoint },
    });
    this.store.changed(target.key, 'forked', { parentKey: source.key, forkPoint });
    return this.store.get(target.key);
  }

  /** Changes only the given fields; null clears one. Levels outside their enums answer 422 listing the allowed values. */
  async patch(key: string, patch: SessionPatch): Promise<SessionView> {
    const session = await this.store.get(key);
    checkLevel('thinkingLevel', patch.thinkingLevel);
    checkLevel('verboseLevel', patch.verboseLevel);
    checkLevel('reasoningLevel', patch.reasoningLevel);
    if (
      patch.label !== undefined &&
      patch.label !== null &&
      (typeof patch.label !== 'string' || patch.label.length > 200)
    ) {
      throw new AppException(
        400,
        'INVALID_LABEL',
        'label must be a string of at most 200 characters (or null to clear it)',
      );
    }
    if (
      patch.model !== undefined &&
      patch.model !== null &&
      (typeof patch.model !== 'string' || !patch.model || patch.model.length > 200)
    ) {
      throw new AppException(
        400,
        'INVALID_MODEL',
        'model must be a non-empty string of at most 200 characters (or null to clear it)',
      );
    }
    const changes: Parameters<SessionsRepository['update']>[1] = {};
    for (const field of ['label', 'thinkingLevel', 'verboseLevel', 'reasoningLevel', 'model'] as const) {
      if (patch[field] !== undefined) changes[field] = patch[field] ?? null;
    }
    if (Object.keys(changes).length) {
      await this.repo.update(session.key, changes);
      this.store.changed(session.key, 'patched', { fields: Object.keys(changes) });
    }
    return this.store.get(session.key);
  }

  /** Deletes the session and its transcript; child sessions stay and show parentMissing. */
  async delete(key: string): Promise<{ deleted: boolean }> {
    const session = await this.store.get(key);
    await this.runs.abort(session.key);
    await this.messages.deleteSession(session.key);
    await this.runsRepo.deleteFinishedOfSession(session.key);
    const deleted = await this.repo.delete(session.key);
    await this.audit.record({
      action: 'session.delete',
      target: session.key,
      details: { messages: session.messageCount },
    });
    if (deleted) this.store.changed(session.key, 'deleted');
    return { deleted };
  }

  /** Aborts the running run and drops the queued ones. */
  async kill(key: string): Promise<{ terminated: boolean; activeAborted: number }> {
    const { runIds } = await this.runs.abort(key);
    return { terminated: runIds.length > 0, activeAborted: runIds.length };
  }

  /** The newest `limit` messages (oldest first); `nextCursor` pages further back. */
  async history(key: string, options: { limit?: number; cursor?: string } = {}): Promise<HistoryPage> {
    const session = await this.store.get(key);
    const limit = options.limit ?? 200;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new AppException(400, 'INVALID_LIMIT', 'limit must be an integer between 1 and 1000');
    }
    let before: number | undefined;
    if (options.cursor !== undefined && options.cursor !== null && options.cursor !== '') {
      before = Number(options.cursor);
      if (!Number.isInteger(before) || before < 1) throw SessionErrors.invalidCursor();
    }
    const [rows, total] = await Promise.all([
      this.messages.page(session.key, limit, before),
      this.messages.count(session.key),
    ]);
    const hasMore = rows.length > 0 && rows[0].seq > 1;
    return {
      messages: rows.map((m) => ({
        role: m.role,
        content: m.content as ContentBlock[],
        timestamp: m.createdAt.getTime(),
        seq: m.seq,
        runId: m.runId,
      })),
      hasMore,
      total,
      ...(hasMore ? { nextCursor: String(rows[0].seq) } : {}),
    };
  }
}
