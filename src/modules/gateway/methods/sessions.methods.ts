import { Injectable } from '@nestjs/common';
import { RunsService } from '../../runtime/runs.service';
import { checkLevel, LevelField } from '../../sessions/session-levels';
import { SessionListFilter, SessionPatch, SpawnInput } from '../../sessions/session.types';
import { SessionsService } from '../../sessions/sessions.service';
import { GatewayErrors } from '../protocol/gateway-error';
import { Params } from '../protocol/params';
import { chatMessage, startChatRun } from './chat.methods';
import { MethodContext, MethodDefinition, MethodProvider, underscoreAliases } from './method-definition';
import { sessionSettings, toGatewaySession } from './session-view';

const CONTROL_ACTIONS = ['abort', 'setThinking', 'setVerbose', 'setReasoning', 'setLabel'] as const;
type ControlAction = (typeof CONTROL_ACTIONS)[number];

const LABEL_MAX = 200;
const MODEL_MAX = 200;

/** The setting each `sessions.set*` method (and control action) writes. */
const SETTERS: Record<Exclude<ControlAction, 'abort'>, { field: keyof SessionPatch; params: string[] }> = {
  setThinking: { field: 'thinkingLevel', params: ['level', 'value'] },
  setVerbose: { field: 'verboseLevel', params: ['level', 'value'] },
  setReasoning: { field: 'reasoningLevel', params: ['level', 'value'] },
  setLabel: { field: 'label', params: ['label', 'value'] },
};

/** sessions.* — each a thin translation onto SessionsService / RunsService. */
@Injectable()
export class SessionsMethods implements MethodProvider {
  constructor(
    private readonly sessions: SessionsService,
    private readonly runs: RunsService,
  ) {}

  methods(): MethodDefinition[] {
    const def = (name: string, rest: Omit<MethodDefinition, 'name' | 'aliases'>): MethodDefinition => ({
      name,
      aliases: underscoreAliases(name),
      ...rest,
    });
    return [
      def('sessions.list', { scope: 'operator.read', handler: (p) => this.list(p) }),
      def('sessions.spawn', { scope: 'operator.write', mutating: true, handler: (p, ctx) => this.spawn(p, ctx) }),
      def('sessions.send', { scope: 'operator.write', mutating: true, handler: (p, ctx) => this.send(p, ctx) }),
      def('sessions.kill', {
        scope: 'operator.write',
        mutating: true,
        handler: async (p) => {
          const key = p.sessionKey()!;
          const result = await this.sessions.kill(key);
          return { ok: true, key, terminated: result.terminated, activeAborted: result.activeAborted };
        },
      }),
      def('sessions.delete', {
        scope: 'operator.approvals',
        mutating: true,
        handler: async (p) => {
          const key = p.sessionKey()!;
          const result = await this.sessions.delete(key);
          return { ok: true, key, deleted: result.deleted };
        },
      }),
      def('sessions.patch', {
        scope: 'operator.write',
        mutating: true,
        handler: async (p) => {
          const key = p.sessionKey()!;
          const entry = await this.sessions.patch(key, this.patchFromParams(p));
          return { ok: true, key, entry: toGatewaySession(entry) };
        },
      }),
      ...(Object.keys(SETTERS) as (keyof typeof SETTERS)[]).map((action) =>
        def(`sessions.${action}`, {
          scope: 'operator.write',
          mutating: true,
          handler: async (p: Params) => {
            const key = p.sessionKey()!;
            const value = this.setterValue(p, action, (name) => p.raw(name), (name) => name);
            const view = await this.sessions.patch(key, { [SETTERS[action].field]: value });
            return { ok: true, key, applied: true, settings: sessionSettings(view) };
          },
        }),
      ),
    ];
  }

  private async list(p: Params): Promise<Record<string, unknown>> {
    const filter: SessionListFilter = {};
    const limit = p.optionalInt('limit', 1, 1000);
    const offset = p.optionalInt('offset', 0, 1_000_000_000);
    const activeMinutes = p.optionalInt('activeMinutes', 1, 10_000_000);
    const agentId = p.optionalString('agentId', { max: 64 });
    const search = p.optionalString('search', { max: 200, allowEmpty: true });
    const label = p.optionalString('label', { max: LABEL_MAX, allowEmpty: true });
    if (limit !== undefined) filter.limit = limit;
    if (offset !== undefined) filter.offset = offset;
    if (activeMinutes !== undefined) filter.activeMinutes = activeMinutes;
    if (agentId !== undefined) filter.agentId = agentId;
    if (search) filter.search = search;
    if (label) filter.label = label;
    const { items, total } = await this.sessions.list(filter);
    return {
      count: items.length,
      totalCount: total,
      hasMore: (offset ?? 0) + items.length < total,
      sessions: items.map(toGatewaySession),
    };
  }

  private async spawn(p: Params, ctx: MethodContext): Promise<Record<string, unknown>> {
    const input: SpawnInput = { task: p.requiredString('task', { max: 1024 * 1024 }) };
    const label = p.optionalString('label', { max: LABEL_MAX });
    const model = p.optionalString('model', { max: MODEL_MAX });
    const agentId = p.optionalString('agentId', { max: 64 });
    const runTimeoutSeconds = p.optionalInt('runTimeoutSeconds', 1, 86_400);
    const runtime = p.optionalString('runtime', { max: 50 });
    const runtimeTarget = p.optionalString('runtimeTarget', { max: 200 }) ?? p.optionalString('runtime_target', { max: 200 });
    const parentKey = p.optionalString('parentSessionKey', { max: 300 });
    if (runtime !== undefined) input.runtime = runtime;
    if (runtimeTarget !== undefined) input.runtimeTarget = runtimeTarget;
    if (parentKey !== undefined) input.parentKey = parentKey;
    if (label !== undefined) input.label = label;
    if (model !== undefined) input.model = model;
    if (agentId !== undefined) input.agentId = agentId;
    if (runTimeoutSeconds !== undefined) input.runTimeoutSeconds = runTimeoutSeconds;
    const { session, runId } = await ctx.startRuns(
      () => this.sessions.spawn(input),
      (r) => [r.runId],
    );
    return { ok: true, runId: runId ?? null, key: session.key, sessionKey: session.key, sessionId: session.key, label: session.label };
  }

  /** A chat message like chat.send, or `message:{type:"control", action}` applied to the session. */
  private async send(p: Params, ctx: MethodContext): Promise<Record<string, unknown>> {
    const key = p.sessionKey()!;
    const message = p.raw('message');
    if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
      return this.control(p, key, message as Record<string, unknown>);
    }
    const idempotencyKey = p.optionalString('idempotencyKey', { max: 200 });
    const result = await startChatRun(this.runs, ctx, {
      sessionKey: key,
      message: chatMessage(p),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    return { ok: true, key, ...result };
  }

  private async control(p: Params, key: string, message: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (message.type !== 'control') p.fail('message must be a string, or an object with type "control"');
    const action = message.action;
    if (typeof action !== 'string' || !(CONTROL_ACTIONS as readonly string[]).includes(action)) {
      p.fail(`message.action must be one of ${CONTROL_ACTIONS.join(', ')}`);
    }
    if (action === 'abort') {
      const runId = typeof message.runId === 'string' ? message.runId : undefined;
      const result = await this.runs.abort(key, runId);
      return { ok: true, key, applied: true, action, aborted: result.aborted, runIds: result.runIds };
    }
    const setter = action as keyof typeof SETTERS;
    // The value may sit in the control message or, as some clients send it, beside it in params.
    const value = this.setterValue(
      p,
      setter,
      (name) => (message[name] !== undefined ? message[name] : p.raw(name)),
      (name) => `message.${name}`,
    );
    const view = await this.sessions.patch(key, { [SETTERS[setter].field]: value });
    return { ok: true, key, applied: true, action, settings: sessionSettings(view) };
  }

  /** The new value of a setting (null clears it), validated and named as the client sent it. */
  private setterValue(
    p: Params,
    action: keyof typeof SETTERS,
    read: (name: string) => unknown,
    label: (name: string) => string,
  ): string | null {
    const { field, params } = SETTERS[action];
    const name = params.find((n) => read(n) !== undefined);
    if (!name) p.fail(`${label(params[0])} is required (null clears it)`);
    const value = read(name);
    if (value === null) return null;
    if (typeof value !== 'string') p.fail(`${label(name)} must be a string or null`);
    if (field === 'label') {
      if (value.length > LABEL_MAX) p.fail(`${label(name)} is too long (at most ${LABEL_MAX} characters)`);
      return value;
    }
    checkLevel(field as LevelField, value, label(name));
    return value;
  }

  private patchFromParams(p: Params): SessionPatch {
    const patch: SessionPatch = {};
    const label = p.nullableString('label', { max: LABEL_MAX, allowEmpty: true });
    if (label !== undefined) patch.label = label;
    const model = p.nullableString('model', { max: MODEL_MAX });
    if (model !== undefined) patch.model = model;
    for (const field of ['thinkingLevel', 'verboseLevel', 'reasoningLevel'] as const) {
      const value = p.nullableString(field, { max: 32 });
      if (value === undefined) continue;
      checkLevel(field, value);
      (patch as Record<string, unknown>)[field] = value;
    }
    if (Object.keys(patch).length === 0) {
      throw GatewayErrors.invalidParams('sessions.patch', 'nothing to change: give label, thinkingLevel, verboseLevel, reasoningLevel or model');
    }
    return patch;
  }
}
