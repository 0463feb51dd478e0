import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { DatabaseConfig } from '../../config/database.config';
import { AuditService } from '../auth/services/audit.service';
import {
  AfterRunEvent,
  AfterToolDecision,
  AfterToolEvent,
  BeforeRunDecision,
  BeforeRunEvent,
  BeforeToolDecision,
  BeforeToolEvent,
  RunHooks,
  RunHooksProvider,
} from '../runtime/run-hooks';
import { HookEvent, HookManifest, loadHookManifests, ManifestProblem } from './hook-manifest';
import { HookAnswer, HookFailureReason, runHook } from './hook-runner';
import { HooksConfig } from './hooks.config';
import { HooksErrors } from './hooks.errors';
import { HooksMetrics } from './hooks.metrics';
import { HooksStateRepository } from './hooks-state.repository';

const MANIFEST_TTL_MS = 5000;
const STATE_TTL_MS = 5000;

export interface HookStats {
  runs: number;
  failures: number;
  last_failure: { at: string; reason: HookFailureReason; event: string; detail: string } | null;
}

export interface HookView {
  name: string;
  description: string | null;
  events: HookEvent[];
  command: string;
  args: string[];
  timeout_ms: number;
  enabled: boolean;
  enabled_by_default: boolean;
  /** Where `enabled` comes from: the manifest, or an operator's enable/disable in this organization. */
  state_source: 'manifest' | 'operator';
  updated_at: string | null;
  updated_by: string | null;
  dir: string;
  stats: HookStats;
}

type OrgState = Map<string, { enabled: boolean; updatedAt: Date; updatedBy: string | null }>;

/**
 * Lifecycle hooks from HOOKS_DIR: executables that receive run and tool events
 * as JSON and answer allow / block / modify. A hook that times out or crashes
 * is skipped, counted (hook_failures_total) and logged; the run goes on.
 * Enable/disable is persisted per organization (hooks_state).
 */
@Injectable()
export class HooksService implements RunHooksProvider, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Hooks');
  private manifests: { hooks: HookManifest[]; errors: ManifestProblem[]; at: number } = {
    hooks: [],
    errors: [],
    at: 0,
  };
  private readonly states = new Map<string, { at: number; state: OrgState }>();
  private readonly stats = new Map<string, HookStats>();
  private release?: () => void;
  private unsubscribe?: () => void;

  constructor(
    private readonly config: HooksConfig,
    private readonly db: DatabaseConfig,
    private readonly repo: HooksStateRepository,
    private readonly runHooks: RunHooks,
    private readonly metrics: HooksMetrics,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  get dir(): string | undefined {
    return this.config.resolveDir(this.db.dataDir);
  }

  onModuleInit(): void {
    const { hooks, errors } = this.scan(true);
    for (const e of errors) this.logger.warn(`hook in ${e.dir} skipped: ${e.error}`);
    if (hooks.length)
      this.logger.log(`hooks: ${hooks.map((h) => `${h.name} (${h.events.join(', ')})`).join('; ')}`);
    this.release = this.runHooks.use(this);
    this.unsubscribe = this.bus.subscribe('hooks.changed', (e) => this.states.delete(e.organizationId));
  }

  onModuleDestroy(): void {
    this.release?.();
    this.unsubscribe?.();
  }

  manifestErrors(): ManifestProblem[] {
    return this.scan(true).errors;
  }

  async list(): Promise<HookView[]> {
    const { hooks } = this.scan(true);
    const state = await this.orgState(true);
    return hooks.map((h) => this.view(h, state));
  }

  async get(name: string): Promise<HookView> {
    const hook = this.scan(true).hooks.find((h) => h.name === name);
    if (!hook) throw HooksErrors.notFound(name);
    return this.view(hook, await this.orgState(true));
  }

  async setEnabled(name: string, enabled: boolean): Promise<HookView> {
    const hook = this.scan(true).hooks.find((h) => h.name === name);
    if (!hook) throw HooksErrors.notFound(name);
    const actor = RequestContext.principal()?.actor ?? 'unknown';
    await this.repo.set(name, enabled, actor);
    const organizationId = RequestContext.organizationId();
    this.states.delete(organizationId);
    this.bus.publish('hooks.changed', { organizationId, name });
    await this.audit.record({ action: enabled ? 'hooks.enable' : 'hooks.disable', target: `hook:${name}` });
    return this.view(hook, await this.orgState(true));
  }

  // ---- RunHooksProvider -------------------------------------------------

  async beforeRun(event: BeforeRunEvent): Promise<BeforeRunDecision> {
    let message = event.message;
    let changed = false;
    let blocked: string | undefined;
    await this.each(
      'before_run',
      event.organizationId,
      () => ({ ...base(event), message, source: event.source }),
      (hook, answer) => {
        if (answer.action === 'block') {
          blocked = `${hook.name}: ${answer.reason ?? 'blocked'}`;
          return true;
        }
        if (answer.action === 'modify') {
          if (typeof answer.patch?.message !== 'string')
            return this.failed(hook, 'before_run', 'invalid_output', 'modify needs patch.message (a string)');
          message = answer.patch.message;
          changed = true;
        }
      },
    );
    if (blocked) return { blocked };
    return changed ? { message } : {};
  }

  async afterRun(event: AfterRunEvent): Promise<void> {
    await this.each('after_run', event.organizationId, () => ({
      ...base(event),
      status: event.status,
      error: event.error,
      duration_ms: event.durationMs,
    }));
  }

  async beforeTool(event: BeforeToolEvent): Promise<BeforeToolDecision> {
    let args = event.arguments;
    let changed = false;
    let blocked: string | undefined;
    await this.each(
      'before_tool',
      event.organizationId,
      () => ({ ...base(event), tool: event.tool, arguments: args }),
      (hook, answer) => {
        if (answer.action === 'block') {
          blocked = `${hook.name}: ${answer.reason ?? 'blocked'}`;
          return true;
        }
        if (answer.action === 'modify') {
          const patch = answer.patch?.arguments;
          if (!patch || typeof patch !== 'object' || Array.isArray(patch))
            return this.failed(
              hook,
              'before_tool',
              'invalid_output',
              'modify needs patch.arguments (an object)',
            );
          args = patch as Record<string, unknown>;
          changed = true;
        }
      },
    );
    if (blocked) return { blocked };
    return changed ? { arguments: args } : {};
  }

  async afterTool(event: AfterToolEvent): Promise<AfterToolDecision> {
    let result = event.result;
    let changed = false;
    const input = () => ({
      ...base(event),
      tool: event.tool,
      arguments: event.arguments,
      result: { content: result.content, is_error: !!result.isError },
    });
    await this.each('after_tool', event.organizationId, input, (hook, answer) => {
      if (answer.action === 'block') {
        result = {
          content: `tool result withheld by hook ${hook.name}: ${answer.reason ?? 'blocked'}`,
          isError: true,
          outcome: 'policy_blocked',
        };
        changed = true;
        return true;
      }
      if (answer.action === 'modify') {
        const p = answer.patch ?? {};
        const bad =
          (p.content !== undefined && typeof p.content !== 'string') ||
          (p.is_error !== undefined && typeof p.is_error !== 'boolean') ||
          (p.content === undefined && p.is_error === undefined);
        if (bad)
          return this.failed(
            hook,
            'after_tool',
            'invalid_output',
            'modify needs patch.content (string) and/or patch.is_error (boolean)',
          );
        result = {
          ...result,
          content: (p.content as string | undefined) ?? result.content,
          isError: (p.is_error as boolean | undefined) ?? result.isError,
        };
        changed = true;
      }
    });
    return changed ? { result } : {};
  }

  // ---- internals ----------------------------------------------------------

  /**
   * Runs the enabled hooks of an event one after another, in name order; each
   * sees the input as changed by the hooks before it. A failed hook is skipped.
   * `onAnswer` returning true stops the chain (a block).
   */
  private async each(
    event: HookEvent,
    organizationId: string,
    input: () => Record<string, unknown>,
    onAnswer: (hook: HookManifest, answer: HookAnswer) => boolean | void = () => undefined,
  ): Promise<void> {
    const hooks = this.scan(false).hooks.filter((h) => h.events.includes(event));
    if (!hooks.length) return;
    const state = await this.orgState(false, organizationId);
    for (const hook of hooks) {
      if (!(state.get(hook.name)?.enabled ?? hook.enabled)) continue;
      const stats = this.statsOf(hook.name);
      stats.runs++;
      const result = await runHook(
        hook,
        event,
        { event, hook: hook.name, ...input() },
        {
          timeoutMs: hook.timeout_ms ?? this.config.defaultTimeoutMs,
          maxOutputBytes: this.config.maxOutputBytes,
        },
      );
      if (!result.ok) {
        this.failed(hook, event, result.reason, result.detail);
        continue;
      }
      this.metrics.runs.inc({ hook: hook.name, event, action: result.answer.action });
      if (onAnswer(hook, result.answer) === true) break;
    }
  }

  /** Counts and logs a skipped hook; returns undefined so answer handlers can `return this.failed(...)`. */
  private failed(hook: HookManifest, event: string, reason: HookFailureReason, detail: string): undefined {
    const stats = this.statsOf(hook.name);
    stats.failures++;
    stats.last_failure = { at: new Date().toISOString(), reason, event, detail: detail.slice(0, 300) };
    this.metrics.failures.inc({ hook: hook.name, reason });
    this.logger.warn(`hook '${hook.name}' (${event}) skipped: ${reason}: ${detail}`);
    return undefined;
  }

  private statsOf(name: string): HookStats {
    let s = this.stats.get(name);
    if (!s) this.stats.set(name, (s = { runs: 0, failures: 0, last_failure: null }));
    return s;
  }

  private scan(force: boolean): { hooks: HookManifest[]; errors: ManifestProblem[] } {
    if (force || Date.now() - this.manifests.at > MANIFEST_TTL_MS) {
      try {
        this.manifests = { ...loadHookManifests(this.dir), at: Date.now() };
      } catch (err) {
        this.logger.warn(`cannot read HOOKS_DIR ${this.dir}: ${(err as Error).message}`);
        this.manifests = {
          hooks: [],
          errors: [{ dir: this.dir ?? '', error: (err as Error).message }],
          at: Date.now(),
        };
      }
    }
    return this.manifests;
  }

  private async orgState(
    force: boolean,
    organizationId = RequestContext.organizationId(),
  ): Promise<OrgState> {
    const cached = this.states.get(organizationId);
    if (!force && cached && Date.now() - cached.at < STATE_TTL_MS) return cached.state;
    const rows = await this.repo.allOf(organizationId);
    const state: OrgState = new Map(
      rows.map((r) => [r.name, { enabled: r.enabled, updatedAt: r.updatedAt, updatedBy: r.updatedBy }]),
    );
    this.states.set(organizationId, { at: Date.now(), state });
    return state;
  }

  private view(h: HookManifest, state: OrgState): HookView {
    const s = state.get(h.name);
    return {
      name: h.name,
      description: h.description ?? null,
      events: h.events,
      command: h.command,
      args: h.args,
      timeout_ms: h.timeout_ms ?? this.config.defaultTimeoutMs,
      enabled: s?.enabled ?? h.enabled,
      enabled_by_default: h.enabled,
      state_source: s ? 'operator' : 'manifest',
      updated_at: s?.updatedAt.toISOString() ?? null,
      updated_by: s?.updatedBy ?? null,
      dir: h.dir,
      stats: { ...this.statsOf(h.name) },
    };
  }
}

function base(e: { organizationId: string; runId: string; sessionKey: string; agentId: string }) {
  return {
    organization_id: e.organizationId,
    run_id: e.runId,
    session_key: e.sessionKey,
    agent_id: e.agentId,
  };
}
