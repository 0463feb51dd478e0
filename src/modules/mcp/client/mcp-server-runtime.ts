import { Logger } from '@nestjs/common';
import { McpServerSpec } from '../config/mcp-server-spec';
import { GuardRejection, RejectionKind, ServerGuard, Verdict } from '../guardrails/server-guard';
import {
  defaultTransportFactory,
  McpCallError,
  McpCallResult,
  McpConnection,
  ResolvedSecrets,
  TransportFactory,
} from './mcp-connection';

export type CallOutcome =
  | { kind: 'ok'; result: McpCallResult; durationMs: number }
  | { kind: 'tool_error'; result: McpCallResult; durationMs: number }
  | { kind: 'rejected'; rejection: GuardRejection; durationMs: number }
  | { kind: 'failed'; error: McpCallError; durationMs: number };

export interface ServerRuntimeOptions {
  /** The MCP request timeout (server request_timeout_secs, else default_mcp_request_timeout_secs). */
  requestTimeoutMs: () => number;
  reconnectMaxDelayMs: number;
  onReject?: (server: string, kind: RejectionKind) => void;
  /** Called after every (re)connect with the server's tools. */
  onConnected?: (runtime: McpServerRuntime) => void;
  transportFactory?: TransportFactory;
  logger?: Logger;
}

function verdictOf(outcome: CallOutcome): Verdict {
  if (outcome.kind === 'ok') return 'success';
  if (outcome.kind === 'failed' && outcome.error.kind === 'aborted') return 'neutral';
  return 'failure';
}

/**
 * One configured MCP server at run time: its connection (reconnected with
 * backoff when lost), its guardrails, and the guarded call path every caller
 * (agents, operators, the memory backend) goes through.
 */
export class McpServerRuntime {
  readonly guard: ServerGuard;
  connection: McpConnection;
  lastError?: string;
  lastErrorAt?: Date;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectAttempts = 0;
  private connecting?: Promise<void>;
  private closed = false;

  private secretValues: string[] = [];

  constructor(
    public spec: McpServerSpec,
    /** Resolves `secret:<name>` values of env/headers (through the vault) at each connect. */
    private readonly resolveSecrets: () => Promise<ResolvedSecrets>,
    private readonly options: ServerRuntimeOptions,
  ) {
    this.guard = new ServerGuard(spec.name, spec, (kind) => options.onReject?.(spec.name, kind));
    this.connection = this.newConnection({ env: {}, headers: {} });
  }

  get name(): string {
    return this.spec.name;
  }

  get connected(): boolean {
    return this.connection.state === 'connected';
  }

  /** Connects now (once at a time); a failure schedules a reconnect and is remembered as last_error. */
  connect(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.connecting) return this.connecting;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const attempt = this.resolveSecrets()
      .catch((err: Error) => {
        throw new Error(`cannot resolve the server's secrets: ${err.message}`);
      })
      .then((secrets) => {
        if (this.closed) throw new Error('closed');
        this.secretValues = [...Object.values(secrets.env), ...Object.values(secrets.headers)].filter(
          (v) => v.length >= 6,
        );
        this.connection = this.newConnection(secrets);
        return this.connection.connect(this.options.requestTimeoutMs());
      })
      .then(async () => {
        if (this.closed) {
          await this.connection.close();
          return;
        }
        this.reconnectAttempts = 0;
        this.options.logger?.log(
          `MCP server '${this.name}' connected (${this.connection.tools.length} tools)`,
        );
        this.options.onConnected?.(this);
      })
      .catch((err: Error) => {
        if (this.closed) return;
        this.noteError(err.message);
        this.options.logger?.warn(`MCP server '${this.name}': ${this.redact(err.message)}`);
        this.scheduleReconnect();
      })
      .finally(() => {
        this.connecting = undefined;
      });
    this.connecting = attempt;
    return attempt;
  }

  /** The guarded call: rate window → bulkhead → breaker → the call (with its timeout and max_retries). Never throws. */
  async call(
    tool: string,
    args: Record<string, unknown>,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<CallOutcome> {
    const started = Date.now();
    const timeoutMs = Math.max(1, Math.min(opts.timeoutMs ?? Infinity, this.options.requestTimeoutMs()));
    const deadline = started + timeoutMs;
    let outcome: CallOutcome | undefined;
    try {
      const guarded = await this.guard.run(
        async (): Promise<CallOutcome> => {
          for (let attempt = 0; ; attempt++) {
            const remaining = deadline - Date.now();
            try {
              if (remaining <= 0)
                throw new McpCallError('timeout', `MCP request timed out after ${timeoutMs / 1000} s`);
              const result = await this.connection.callTool(tool, args, {
                timeoutMs: remaining,
                signal: opts.signal,
              });
              return { kind: result.isError ? 'tool_error' : 'ok', result, durationMs: Date.now() - started };
            } catch (err) {
              const error =
                err instanceof McpCallError ? err : new McpCallError('transport', (err as Error).message);
              if (
                error.kind !== 'transport' ||
                attempt >= this.spec.max_retries ||
                deadline - Date.now() <= 0
              ) {
                return { kind: 'failed', error, durationMs: Date.now() - started };
              }
              await this.reconnectWithin(deadline - Date.now());
            }
          }
        },
        verdictOf,
        opts.signal,
      );
      outcome = guarded.rejected
        ? { kind: 'rejected', rejection: guarded.rejected, durationMs: Date.now() - started }
        : guarded.value;
    } catch (err) {
      // Only an abort while waiting for a bulkhead slot gets here.
      outcome = {
        kind: 'failed',
        error: new McpCallError('aborted', (err as Error).message),
        durationMs: Date.now() - started,
      };
    }
    this.count(outcome);
    return outcome;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connection.close();
    await this.connecting?.catch(() => undefined);
  }

  private count(outcome: CallOutcome): void {
    const c = this.guard.counters;
    if (outcome.kind === 'ok') c.ok++;
    else if (outcome.kind === 'tool_error') {
      c.errors++;
      this.noteError(`tool error: ${textOf(outcome.result).slice(0, 200)}`);
    } else if (outcome.kind === 'failed' && outcome.error.kind !== 'aborted') {
      if (outcome.error.kind === 'timeout') c.timeouts++;
      else c.errors++;
      this.noteError(outcome.error.message);
    }
  }

  private noteError(message: string): void {
    this.lastError = this.redact(message);
    this.lastErrorAt = new Date();
  }

  private async reconnectWithin(ms: number): Promise<void> {
    if (this.connected) return;
    await Promise.race([this.connect(), new Promise((r) => setTimeout(r, Math.max(0, ms)).unref())]);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = Math.min(this.options.reconnectMaxDelayMs, 500 * 2 ** Math.min(this.reconnectAttempts, 16));
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Error texts never carry the server's credentials. */
  redact(text: string): string {
    let out = text;
    for (const v of this.secretValues) out = out.split(v).join('***');
    return out;
  }

  private newConnection(secrets: ResolvedSecrets): McpConnection {
    return new McpConnection(
      this.spec,
      secrets,
      (reason) => {
        this.noteError(reason);
        this.options.logger?.warn(`MCP server '${this.name}' ${this.redact(reason)}; reconnecting`);
        this.scheduleReconnect();
      },
      this.options.transportFactory ?? defaultTransportFactory,
    );
  }
}

/** The text of an MCP result: text items, resource texts, placeholders for binary items, else the structured content. */
export function textOf(result: McpCallResult): string {
  const parts = result.content.map((c) => {
    if (c.type === 'text' && typeof c.text === 'string') return c.text;
    const resource = c.resource as { text?: string; uri?: string } | undefined;
    if (c.type === 'resource' && resource)
      return typeof resource.text === 'string' ? resource.text : `[resource ${resource.uri ?? ''}]`;
    return `[${c.type}${c.mimeType ? ` ${c.mimeType}` : ''}]`;
  });
  const text = parts.join('\n');
  if (!text && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return text;
}
