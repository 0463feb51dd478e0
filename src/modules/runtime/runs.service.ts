import { Injectable, OnModuleInit } from '@nestjs/common';
import { RequestContext, RequestContextData } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { AgentsService } from '../agents/agents.service';
import { checkLevel } from '../sessions/session-levels';
import { SessionStore } from '../sessions/session-store';
import { SessionErrors } from '../sessions/sessions.errors';
import { ChatEmitter } from './chat-emitter';
import { Run } from './entities/run.entity';
import { RunExecutor } from './run-executor';
import { RunMetrics } from './run-metrics';
import {
  AbortResult,
  RunStatus,
  RunView,
  StartRunInput,
  StartRunResult,
  TERMINAL_STATUSES,
} from './run.types';
import { RunsRepository } from './runs.repository';
import { RuntimeConfig } from './runtime.config';
import { RuntimeErrors } from './runtime.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toRunView(run: Run): RunView {
  return {
    id: run.id,
    sessionKey: run.sessionKey,
    status: run.status as RunStatus,
    source: run.source,
    sourceRef: run.sourceRef,
    idempotencyKey: run.idempotencyKey,
    error: run.error,
    usage: run.usage,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt ? run.startedAt.toISOString() : null,
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    timeoutMs: run.timeoutMs,
  };
}

/**
 * Runs of agent sessions: the one entry point REST, the WebSocket bridge,
 * webhooks, the scheduler and spawn use. One run executes per session; the
 * rest wait in order. Events: `chat`/`agent` while running, `run.finished` at the end.
 */
@Injectable()
export class RunsService implements OnModuleInit {
  constructor(
    private readonly config: RuntimeConfig,
    private readonly runs: RunsRepository,
    private readonly sessions: SessionStore,
    private readonly agents: AgentsService,
    private readonly executor: RunExecutor,
    private readonly bus: EventBus,
    private readonly metrics: RunMetrics,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('run.abort_requested', ({ runIds }) =>
      runIds.forEach((id) => this.executor.abortLocal(id, 'aborted')),
    );
  }

  async start(input: StartRunInput): Promise<StartRunResult> {
    if (typeof input.message !== 'string' || input.message.trim() === '')
      throw RuntimeErrors.messageRequired();
    const bytes = Buffer.byteLength(input.message, 'utf8');
    if (bytes > this.config.maxMessageBytes)
      throw RuntimeErrors.messageTooLarge(bytes, this.config.maxMessageBytes);
    checkLevel('thinkingLevel', input.thinking, 'thinking');
    if (
      input.timeoutMs !== undefined &&
      (!Number.isInteger(input.timeoutMs) || input.timeoutMs < 1000 || input.timeoutMs > 86_400_000)
    ) {
      throw RuntimeErrors.invalidTimeout();
    }
    if (
      input.idempotencyKey !== undefined &&
      (typeof input.idempotencyKey !== 'string' || !input.idempotencyKey || input.idempotencyKey.length > 200)
    ) {
      throw RuntimeErrors.invalidIdempotencyKey();
    }

    const session = await this.sessions.ensureLight(input.sessionKey);
    if (input.idempotencyKey) {
      const existing = await this.runs.findByIdempotencyKey(session.key, input.idempotencyKey);
      if (existing) return { runId: existing.id, status: existing.status as RunStatus, deduplicated: true };
    }
    const agent = await this.agents.findEntity(session.agentId);
    if (!agent) throw SessionErrors.agentDeleted(session.key, session.agentId);

    const active = await this.runs.active(session.key);
    const waiting = active.filter((r) => r.status === 'queued').length;
    if (active.length > 0 && waiting >= this.config.queueMaxPerSession) {
      throw RuntimeErrors.queueFull(session.key, this.config.queueMaxPerSession);
    }
    const timeoutMs = input.timeoutMs ?? (agent.runTimeoutSecs ?? this.config.defaultRunTimeoutSecs) * 1000;
    const run = await this.runs.insertQueued({
      sessionKey: session.key,
      source: input.source,
      sourceRef: input.sourceRef,
      idempotencyKey: input.idempotencyKey,
      input: {
        message: input.message,
        ...(input.thinking ? { thinking: input.thinking } : {}),
        ...(input.model ? { model: input.model } : {}),
        ...(input.provider ? { provider: input.provider } : {}),
      },
      timeoutMs,
    });
    if (!run) {
      // A concurrent request with the same idempotency key won the insert.
      const existing = await this.runs.findByIdempotencyKey(session.key, input.idempotencyKey!);
      if (existing) return { runId: existing.id, status: existing.status as RunStatus, deduplicated: true };
      throw new Error('idempotency conflict without an existing run');
    }
    const started = await this.executor.startNext(session.key);
    const current = started === run.id ? 'running' : ((await this.runs.findById(run.id))?.status ?? 'queued');
    return { runId: run.id, status: current as RunStatus, deduplicated: false };
  }

  /** Aborts the session's runs (or one): queued ones at once, running ones on whichever replica executes them. */
  async abort(sessionKey: string, runId?: string): Promise<AbortResult> {
    const session = await this.sessions.get(sessionKey);
    if (runId !== undefined && !UUID.test(runId)) return { aborted: false, runIds: [] };
    const running = await this.runs.requestAbortRunning(session.key, runId);
    const remote = running.filter((id) => !this.executor.abortLocal(id, 'aborted'));
    if (remote.length) {
      this.bus.publish('run.abort_requested', {
        organizationId: RequestContext.organizationId(),
        sessionKey: session.key,
        runIds: remote,
      });
    }
    const queued = await this.runs.abortQueued(session.key, runId);
    for (const run of queued) this.publishAbortedBeforeStart(session.key, run);
    const runIds = [...running, ...queued.map((r) => r.id)];
    return { aborted: runIds.length > 0, runIds };
  }

  async get(runId: string): Promise<RunView> {
    if (typeof runId !== 'string' || !UUID.test(runId)) throw RuntimeErrors.runNotFound(runId);
    const run = await this.runs.findById(runId);
    if (!run) throw RuntimeErrors.runNotFound(runId);
    return toRunView(run);
  }

  /** Resolves with the run once it is terminal, or with its current state when timeoutMs passes first. */
  async waitForTerminal(runId: string, timeoutMs: number): Promise<RunView> {
    const ctx = RequestContext.current() as RequestContextData;
    const read = () => RequestContext.run(ctx, () => this.get(runId));
    let settled = false;
    let finish: (view: Promise<RunView> | RunView) => void = () => undefined;
    const done = new Promise<RunView>((resolve) => (finish = resolve));
    // Subscribed before the first read, so a run finishing in between is not missed.
    const unsubscribe = this.bus.subscribe('run.finished', (e) => {
      if (e.runId === runId) settle(read());
    });
    let poll: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    const settle = (view: Promise<RunView> | RunView) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(poll);
      unsubscribe();
      finish(view);
    };
    try {
      const first = await this.get(runId);
      if (TERMINAL_STATUSES.includes(first.status)) settle(first);
    } catch (err) {
      settle(Promise.reject(err));
      return done;
    }
    if (!settled) {
      // Polling covers runs on another replica when events do not cross (no Redis).
      poll = setInterval(() => {
        read()
          .then((v) => TERMINAL_STATUSES.includes(v.status) && settle(v))
          .catch(() => undefined);
      }, 500);
      deadline = setTimeout(() => settle(read()), Math.max(0, timeoutMs));
    }
    return done;
  }

  /** Queued and running runs of a session, oldest first. */
  async active(sessionKey: string): Promise<RunView[]> {
    const session = await this.sessions.get(sessionKey);
    return (await this.runs.active(session.key)).map(toRunView);
  }

  private publishAbortedBeforeStart(
    sessionKey: string,
    run: { id: string; source: string; sourceRef: string | null },
  ): void {
    const organizationId = RequestContext.organizationId();
    new ChatEmitter(this.bus, organizationId, sessionKey, run.id).chat('aborted', {});
    this.metrics.finished.inc({ status: 'aborted' });
    this.bus.publish('run.finished', {
      organizationId,
      runId: run.id,
      sessionKey,
      status: 'aborted',
      error: 'aborted before it started',
      source: run.source,
      ...(run.sourceRef ? { sourceRef: run.sourceRef } : {}),
      durationMs: 0,
    });
  }
}
