import type { McpServerRuntime } from './client/mcp-server-runtime';
import type { McpServerSpec } from './config/mcp-server-spec';
import type { McpServerView } from './dto/mcp.dto';

/** An endpoint without credentials or query string (they may carry tokens). */
export function safeEndpoint(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return undefined;
  }
}

const iso = (d?: Date | number) => (d === undefined ? null : new Date(d).toISOString());

/** The operator view of one server: connection, tools, guardrail state and counters. */
export function serverView(
  entry: { spec: McpServerSpec; runtime?: McpServerRuntime; tools: Map<string, string> },
  requestTimeoutSecs: number,
): McpServerView {
  const { spec, runtime } = entry;
  const guard = runtime?.guard;
  const breaker = guard?.breaker;
  return {
    name: spec.name,
    transport: spec.transport,
    enabled: !!runtime,
    connected: !!runtime?.connected,
    state: runtime ? runtime.connection.state : 'disabled',
    ...(spec.transport === 'streamable_http'
      ? { endpoint: safeEndpoint(spec.endpoint) }
      : { command: spec.command }),
    organizations: spec.organizations,
    tools: runtime?.connection.tools.map((t) => t.name) ?? [],
    registered_tools: [...entry.tools.keys()],
    circuit: {
      state: breaker?.state ?? 'closed',
      consecutive_failures: breaker?.consecutiveFailures ?? 0,
      opens: breaker?.opens ?? 0,
      retry_after_secs: breaker ? Math.ceil(breaker.retryAfterMs / 1000) : 0,
      last_opened_at: iso(breaker?.lastOpenedAt),
    },
    in_flight: guard?.bulkhead.inFlight ?? 0,
    queued: guard?.bulkhead.queued ?? 0,
    window: {
      count: guard?.limiter.windowCount ?? 0,
      limit: spec.rate_limit_per_minute,
      resets_at: guard && guard.limiter.windowCount > 0 ? iso(guard.limiter.windowResetsAt) : null,
    },
    counters: {
      ...(guard?.counters ?? {
        calls: 0,
        ok: 0,
        errors: 0,
        timeouts: 0,
        rate_limited: 0,
        bulkhead: 0,
        circuit_open: 0,
      }),
    },
    limits: {
      rate_limit_per_minute: spec.rate_limit_per_minute,
      max_concurrent_requests: spec.max_concurrent_requests,
      queue_wait_ms: spec.queue_wait_ms,
      circuit_breaker_failure_threshold: spec.circuit_breaker_failure_threshold,
      circuit_breaker_cooldown_secs: spec.circuit_breaker_cooldown_secs,
      max_retries: spec.max_retries,
    },
    request_timeout_secs: requestTimeoutSecs,
    last_error: runtime?.lastError ?? null,
    last_error_at: iso(runtime?.lastErrorAt),
    connected_at: runtime?.connected ? iso(runtime.connection.connectedAt) : null,
    sources: spec.sources,
  };
}
