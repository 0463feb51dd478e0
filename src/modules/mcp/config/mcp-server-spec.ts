import { z } from 'zod';

export const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Guardrail defaults (runbook "MCP Reliability Tuning" / "MCP Server Guardrails"). */
export const GUARDRAIL_DEFAULTS = {
  rate_limit_per_minute: 120,
  max_concurrent_requests: 4,
  queue_wait_ms: 200,
  circuit_breaker_failure_threshold: 5,
  circuit_breaker_cooldown_secs: 30,
  max_retries: 0,
} as const;

const stringMap = z.record(z.string(), z.string());
const transport = z
  .enum(['stdio', 'streamable_http', 'streamable-http', 'http', 'streamableHttp'])
  .transform((t) => (t === 'stdio' ? 'stdio' : 'streamable_http') as 'stdio' | 'streamable_http');

/** The keys one file may set for a server (each optional: a fragment may override a few keys of another file's server). */
export const serverFields = {
  transport,
  command: z.string().min(1),
  args: z.array(z.string()),
  env: stringMap,
  cwd: z.string().min(1),
  endpoint: z.string().url(),
  headers: stringMap,
  request_timeout_secs: z.number().positive().max(86_400),
  rate_limit_per_minute: z.number().int().min(0).max(1_000_000),
  max_concurrent_requests: z.number().int().min(1).max(10_000),
  queue_wait_ms: z.number().int().min(0).max(600_000),
  circuit_breaker_failure_threshold: z.number().int().min(0).max(10_000),
  circuit_breaker_cooldown_secs: z.number().min(0).max(86_400),
  max_retries: z.number().int().min(0).max(10),
  enabled: z.boolean(),
  organizations: z.array(
    z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'organization slugs are lower-case letters, digits and -'),
  ),
  description: z.string(),
};

export const KNOWN_SERVER_KEYS = new Set([...Object.keys(serverFields), 'url', 'type']);

export const partialServerSchema = z.object(serverFields).partial();

export type PartialServerSpec = z.infer<typeof partialServerSchema>;

/** A server after merging every file that mentions it, with defaults applied. */
export interface McpServerSpec {
  name: string;
  transport: 'stdio' | 'streamable_http';
  command?: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  endpoint?: string;
  headers: Record<string, string>;
  /** undefined: default_mcp_request_timeout_secs applies. */
  request_timeout_secs?: number;
  rate_limit_per_minute: number;
  max_concurrent_requests: number;
  queue_wait_ms: number;
  circuit_breaker_failure_threshold: number;
  circuit_breaker_cooldown_secs: number;
  max_retries: number;
  enabled: boolean;
  /** Organization slugs that see the server's tools; empty = every organization. */
  organizations: string[];
  description?: string;
  /** Files that defined or changed the server, in merge order. */
  sources: string[];
}

/** Completes a merged server: infers the transport, checks the transport's required keys, applies defaults. */
export function completeServer(
  name: string,
  merged: PartialServerSpec,
  sources: string[],
): { spec?: McpServerSpec; problem?: string } {
  const kind =
    merged.transport ?? (merged.endpoint ? 'streamable_http' : merged.command ? 'stdio' : undefined);
  if (!kind) return { problem: `server '${name}': set "command" (stdio) or "endpoint" (streamable_http)` };
  if (kind === 'stdio' && !merged.command)
    return { problem: `server '${name}': stdio transport needs "command"` };
  if (kind === 'streamable_http' && !merged.endpoint)
    return { problem: `server '${name}': streamable_http transport needs "endpoint"` };
  if (kind === 'streamable_http' && !/^https?:\/\//i.test(merged.endpoint!))
    return { problem: `server '${name}': endpoint must be an http:// or https:// URL` };
  return {
    spec: {
      name,
      transport: kind,
      command: merged.command,
      args: merged.args ?? [],
      env: merged.env ?? {},
      cwd: merged.cwd,
      endpoint: merged.endpoint,
      headers: merged.headers ?? {},
      request_timeout_secs: merged.request_timeout_secs,
      rate_limit_per_minute: merged.rate_limit_per_minute ?? GUARDRAIL_DEFAULTS.rate_limit_per_minute,
      max_concurrent_requests: merged.max_concurrent_requests ?? GUARDRAIL_DEFAULTS.max_concurrent_requests,
      queue_wait_ms: merged.queue_wait_ms ?? GUARDRAIL_DEFAULTS.queue_wait_ms,
      circuit_breaker_failure_threshold:
        merged.circuit_breaker_failure_threshold ?? GUARDRAIL_DEFAULTS.circuit_breaker_failure_threshold,
      circuit_breaker_cooldown_secs:
        merged.circuit_breaker_cooldown_secs ?? GUARDRAIL_DEFAULTS.circuit_breaker_cooldown_secs,
      max_retries: merged.max_retries ?? GUARDRAIL_DEFAULTS.max_retries,
      enabled: merged.enabled ?? true,
      organizations: merged.organizations ?? [],
      description: merged.description,
      sources,
    },
  };
}

/** What decides whether a running connection must be replaced on reload (guardrail knobs do not). */
export function connectionFingerprint(spec: McpServerSpec): string {
  return JSON.stringify([
    spec.transport,
    spec.command,
    spec.args,
    spec.env,
    spec.cwd,
    spec.endpoint,
    spec.headers,
    spec.organizations,
  ]);
}
