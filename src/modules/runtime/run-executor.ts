import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { systemPrincipal } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { AgentsService } from '../agents/agents.service';
import { MessagesRepository } from '../sessions/messages.repository';
import { SessionStore } from '../sessions/session-store';
import { SessionView, VerboseLevel } from '../sessions/session.types';
import { SessionsRepository } from '../sessions/sessions.repository';
import { AbortedError } from './abortable';
import { ChatEmitter } from './chat-emitter';
import { Run } from './entities/run.entity';
import { ProviderRegistry } from './providers/provider-registry';
import { ProviderError, ToolCall } from './providers/provider.types';
import { summarize } from './providers/redact';
import { RunHooks } from './run-hooks';
import { RunMetrics } from './run-metrics';
import { RunUsage, TerminalRunStatus } from './run.types';
import { RunsRepository } from './runs.repository';
import { RuntimeConfig } from './runtime.config';
import { toolAllowed, ToolRegistry, ToolResult } from './tools/tool-registry';
import { assistantBlocks, toolResultBlocks, toProviderMessages } from './transcript';

type StopReason = 'aborted' | 'timeout' | 'shutdown';

interface LocalRun {
  controller: AbortController;
  done: Promise<void>;
}

class RunFailure extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

/**
 * Executes runs this replica has promoted to `running`: transcript in, provider
 * stream out as `chat` events, tools through the registry, lease heartbeats,
 * timeout and abort, then the terminal state and the next queued run of the session.
 */
@Injectable()
export class RunExecutor {
  private readonly logger = new Logger('RunExecutor');
  /** This replica's identity as a lease owner. */
  readonly owner = `replica:${randomUUID()}`;
  private readonly local = new Map<string, LocalRun>();
  private stopping = false;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly runs: RunsRepository,
    private readonly sessions: SessionsRepository,
    private readonly sessionStore: SessionStore,
    private readonly messages: MessagesRepository,
    private readonly agents: AgentsService,
    private readonly providers: ProviderRegistry,
    private readonly tools: ToolRegistry,
    private readonly bus: EventBus,
    private readonly metrics: RunMetrics,
    private readonly hooks: RunHooks,
  ) {}

  get activeCount(): number {
    return this.local.size;
  }

  isLocal(runId: string): boolean {
    return this.local.has(runId);
  }

  /** Aborts a run executing here; false when it is not here. */
  abortLocal(runId: string, reason: StopReason = 'aborted'): boolean {
    const run = this.local.get(runId);
    if (!run) return false;
    if (!run.controller.signal.aborted) run.controller.abort(reason);
    return true;
  }

  /** Promotes and executes the next queued run of a session, if none is running. Returns the started run id. */
  async startNext(sessionKey: string): Promise<string | null> {
    if (this.stopping) return null;
    const run = await this.runs.promoteNext(sessionKey, this.owner, this.config.leaseMs);
    if (!run) return null;
    this.launch(run);
    return run.id;
  }

  /** Stops taking work, aborts local runs (they end `failed`, interrupted) and waits for them, bounded. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const pending = [...this.local.values()];
    if (!pending.length) return;
    await Promise.race([
      Promise.all(pending.map((r) => r.done)),
      new Promise((r) => setTimeout(r, graceMs).unref()),
    ]);
    for (const [id] of this.local) this.abortLocal(id, 'shutdown');
    await Promise.race([
      Promise.all(pending.map((r) => r.done)),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
  }

  private launch(run: Run): void {
    const controller = new AbortController();
    const entry: LocalRun = { controller, done: Promise.resolve() };
    this.local.set(run.id, entry);
    this.metrics.active.set(this.local.size);
    const context = {
      requestId: `run:${run.id}`,
      transport: 'system' as const,
      principal: systemPrincipal(run.organizationId),
    };
    entry.done = RequestContext.run(context, () => this.execute(run, controller))
      .catch((err) => this.logger.error({ err, runId: run.id }, 'run executor crashed'))
      .finally(() => {
        this.local.delete(run.id);
        this.metrics.active.set(this.local.size);
      })
      .then(() =>
        RequestContext.run(context, () =>
          this.startNext(run.sessionKey).catch((err) =>
            this.logger.warn(`could not start the next run of ${run.sessionKey}: ${(err as Error).message}`),
          ),
        ),
      )
      .then(() => undefined);
  }

  private async execute(run: Run, controller: AbortController): Promise<void> {
    const started = Date.now();
    const emitter = new ChatEmitter(this.bus, run.organizationId, run.sessionKey, run.id, run.eventSeq ?? 0);
    const timeoutMs = run.timeoutMs ?? this.config.defaultRunTimeoutSecs * 1000;
    const timer = setTimeout(() => controller.abort('timeout'), timeoutMs);
    const heartbeat = setInterval(
      () => void this.heartbeat(run, emitter, controller),
      Math.max(250, Math.floor(this.config.leaseMs / 3)),
    );
    this.metrics.started.inc({ source: run.source });
    let text = '';
    const usage: RunUsage = {};
    let stopReason: string | undefined;
    let agentId: string | undefined;
    let status: TerminalRunStatus = 'succeeded';
    let error: string | null = null;
    // The terminal chat event goes out after the run row is closed, so a client reacting to it reads the final state.
    let terminal: () => void = () => undefined;
    try {
      emitter.chat('status', { phase: 'running' });
      const session = await this.sessionStore.findLight(run.sessionKey);
      if (!session) throw new RunFailure(`session ${run.sessionKey} was deleted`, 'session_deleted');
      const agent = await this.agents.findEntity(session.agentId);
      if (!agent) throw new RunFailure(`agent '${session.agentId}' was deleted`, 'agent_deleted');
      agentId = agent.id;
      const gate = await this.hooks.beforeRun({ ...hookBase(run, agent.id), message: run.input.message, source: run.source });
      if (gate.blocked) throw new RunFailure(`blocked by hook: ${gate.blocked}`, 'hook_blocked');
      const message = gate.message ?? run.input.message;
      await this.messages.append(run.sessionKey, 'user', [{ type: 'text', text: message }], run.id);
      const provider = this.providers.get(run.input.provider ?? agent.provider.type);
      const apiKey = await this.agents.resolveApiKey(agent).catch((err) => {
        throw new RunFailure(
          `cannot read the agent's API key: ${summarize((err as Error).message)}`,
          'config',
        );
      });
      const allowed = agent.tools ?? [];
      const toolList = allowed.length ? this.tools.list(allowed, run.organizationId) : [];
      const thinking =
        ((run.input.thinking ?? session.thinkingLevel) as SessionView['thinkingLevel']) ?? null;
      const model = run.input.model ?? session.model ?? agent.provider.model ?? undefined;

      for (let iteration = 0; ; iteration++) {
        if (iteration >= this.config.maxToolIterations) {
          throw new RunFailure(
            `the model kept calling tools: stopped after ${this.config.maxToolIterations} rounds (RUN_MAX_TOOL_ITERATIONS)`,
            'tool_loop',
          );
        }
        const transcript = await this.messages.all(run.sessionKey);
        const result = await provider.turn({
          messages: toProviderMessages(agent.systemPrompt, transcript),
          connection: { baseUrl: agent.provider.baseUrl ?? undefined, apiKey, model },
          thinkingLevel: thinking,
          reasoningLevel: session.reasoningLevel as SessionView['reasoningLevel'],
          tools: toolList,
          signal: controller.signal,
          run: {
            id: run.id,
            sessionKey: run.sessionKey,
            organizationId: run.organizationId,
            source: run.source,
            sourceRef: run.sourceRef,
          },
          onAgentEvent: (stream, data) => emitter.agent(stream, data),
          onDelta: (delta) => {
            if (!delta || controller.signal.aborted) return;
            text += delta;
            emitter.chat('delta', { deltaText: delta, message: text });
          },
        });
        addUsage(usage, result.usage);
        stopReason = result.stopReason;
        if (!result.toolCalls.length) {
          await this.messages.append(run.sessionKey, 'assistant', assistantBlocks(result.text), run.id);
          break;
        }
        await this.messages.append(
          run.sessionKey,
          'assistant',
          assistantBlocks(result.text, result.toolCalls),
          run.id,
        );
        for (const call of result.toolCalls) {
          await this.callTool(
            run,
            agent.id,
            call,
            allowed,
            session.verboseLevel as VerboseLevel | null,
            emitter,
            controller.signal,
          );
        }
      }
      terminal = () =>
        emitter.chat('final', {
          message: { role: 'assistant', content: [{ type: 'text', text }] },
          ...(hasUsage(usage) ? { usage } : {}),
          ...(stopReason ? { stopReason } : {}),
        });
    } catch (err) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined;
      if (reason === 'aborted') {
        status = 'aborted';
        error = 'aborted by request';
        const partial = text ? { message: { role: 'assistant', content: [{ type: 'text', text }] } } : {};
        terminal = () => emitter.chat('aborted', partial);
      } else if (reason === 'timeout') {
        status = 'timed_out';
        error = `run timed out after ${Math.round(timeoutMs / 100) / 10} s`;
        const errorMessage = error;
        terminal = () => emitter.chat('error', { errorMessage, errorKind: 'timeout' });
      } else if (reason === 'shutdown') {
        status = 'failed';
        error = 'interrupted: server shutting down';
        const errorMessage = error;
        terminal = () => emitter.chat('error', { errorMessage, errorKind: 'interrupted' });
      } else {
        status = 'failed';
        const kind =
          err instanceof ProviderError
            ? `provider_${err.kind}`
            : err instanceof RunFailure
              ? err.kind
              : 'internal';
        error =
          err instanceof ProviderError || err instanceof RunFailure
            ? err.message
            : `internal error: ${summarize((err as Error)?.message ?? String(err))}`;
        if (kind === 'internal' && !(err instanceof AbortedError))
          this.logger.error({ err, runId: run.id }, 'run failed unexpectedly');
        const errorMessage = error;
        terminal = () => emitter.chat('error', { errorMessage, errorKind: kind });
      }
      if (text) {
        await this.messages
          .append(run.sessionKey, 'assistant', assistantBlocks(text, [], { partial: true }), run.id)
          .catch(() => undefined);
      }
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat);
    }
    const closed = await this.runs.finish(
      run.id,
      this.owner,
      status,
      error,
      hasUsage(usage) ? { ...usage } : null,
      emitter.seq + 1,
    );
    if (!closed) {
      // Another replica reclaimed it (lease expired) and already published its terminal state.
      this.logger.warn(
        `run ${run.id} was closed elsewhere (lease lost); its outcome here (${status}) is dropped`,
      );
      return;
    }
    terminal();
    await this.sessions.touchRun(run.sessionKey).catch(() => undefined);
    const durationMs = Date.now() - started;
    this.metrics.finished.inc({ status });
    this.metrics.duration.observe({ status }, durationMs / 1000);
    this.bus.publish('run.finished', {
      organizationId: run.organizationId,
      runId: run.id,
      sessionKey: run.sessionKey,
      status,
      ...(error ? { error } : {}),
      source: run.source,
      ...(run.sourceRef ? { sourceRef: run.sourceRef } : {}),
      durationMs,
    });
    this.sessionStore.changed(run.sessionKey, 'run.finished', { runId: run.id, status });
    if (agentId) void this.hooks.afterRun({ ...hookBase(run, agentId), status, error, durationMs });
  }

  private async callTool(
    run: Run,
    agentId: string,
    call: ToolCall,
    allowed: string[],
    verbose: VerboseLevel | null,
    emitter: ChatEmitter,
    signal: AbortSignal,
  ): Promise<void> {
    const detail = verbose ?? 'off';
    let args: unknown;
    try {
      args = JSON.parse(call.arguments || '{}');
    } catch {
      args = undefined;
    }
    emitter.agent('tool', {
      phase: 'start',
      name: call.name,
      toolCallId: call.id,
      ...(detail === 'on' ? { args: summarize(call.arguments, [], 200) } : {}),
      ...(detail === 'full' ? { args: args ?? call.arguments } : {}),
    });
    const result: ToolResult =
      args === undefined
        ? { content: `invalid arguments for ${call.name}: not valid JSON`, isError: true }
        : !toolAllowed(call.name, allowed)
          ? { content: `tool ${call.name} is not allowed for this agent`, isError: true, outcome: 'policy_blocked' }
          : await this.executeWithHooks(run, agentId, call.name, args, signal);
    if (signal.aborted) throw new AbortedError(signal.reason);
    this.metrics.toolCalls.inc({ outcome: result.isError ? 'error' : 'ok' });
    this.metrics.toolCallOutcomes.inc({ outcome: result.outcome ?? (result.isError ? 'error' : 'ok') });
    await this.messages.append(
      run.sessionKey,
      'tool',
      toolResultBlocks(call, result.content, !!result.isError),
      run.id,
    );
    emitter.agent('tool', {
      phase: 'result',
      name: call.name,
      toolCallId: call.id,
      isError: !!result.isError,
      ...(detail === 'on' ? { result: summarize(result.content, [], 200) } : {}),
      ...(detail === 'full' ? { result: result.content.slice(0, 16_000) } : {}),
    });
  }

  /** before_tool hooks may block the call or replace its arguments; after_tool hooks may replace its result. */
  private async executeWithHooks(
    run: Run,
    agentId: string,
    name: string,
    args: unknown,
    signal: AbortSignal,
  ): Promise<ToolResult> {
    const event = { ...hookBase(run, agentId), tool: name, arguments: (args ?? {}) as Record<string, unknown> };
    const before = await this.hooks.beforeTool(event);
    if (before.blocked)
      return { content: `tool ${name} blocked by hook: ${before.blocked}`, isError: true, outcome: 'policy_blocked' };
    const input = before.arguments ?? args;
    const result = await this.tools.execute(name, input, {
      sessionKey: run.sessionKey,
      runId: run.id,
      organizationId: run.organizationId,
      signal,
    });
    const after = await this.hooks.afterTool({ ...event, arguments: (input ?? {}) as Record<string, unknown>, result });
    return after.result ?? result;
  }

  private async heartbeat(run: Run, emitter: ChatEmitter, controller: AbortController): Promise<void> {
    if (controller.signal.aborted) return;
    try {
      const beat = await RequestContext.run(
        {
          requestId: `run:${run.id}:heartbeat`,
          transport: 'system',
          principal: systemPrincipal(run.organizationId),
        },
        () => this.runs.heartbeat(run.id, this.owner, this.config.leaseMs, emitter.seq),
      );
      if (beat === null) {
        this.logger.warn(`run ${run.id} lost its lease; stopping it here`);
        controller.abort('shutdown');
      } else if (beat.abortRequested) {
        controller.abort('aborted');
      }
    } catch (err) {
      this.logger.warn(`heartbeat of run ${run.id} failed: ${(err as Error).message}`);
    }
  }
}

function hookBase(run: Run, agentId: string) {
  return { organizationId: run.organizationId, runId: run.id, sessionKey: run.sessionKey, agentId };
}

function addUsage(total: RunUsage, add?: RunUsage): void {
  if (!add) return;
  for (const k of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (typeof add[k] === 'number') total[k] = (total[k] ?? 0) + add[k]!;
  }
}

function hasUsage(u: RunUsage): boolean {
  return Object.keys(u).length > 0;
}
