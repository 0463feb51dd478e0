import type { PresenceEntry } from '../../modules/gateway/connection/connection-registry';

/**
 * Every event on the bus, by type. A module that publishes a new event adds
 * its payload type here, so publishers and subscribers agree at compile time.
 * Payloads must be JSON-serializable: with REDIS_URL they cross replicas.
 */
export interface EventMap {
  /** Credentials died (revoke, rotate, revoke-all, org lock): sockets holding them must close. */
  'credentials.revoked': { organizationId: string; credentialIds: string[]; userId?: string; reason: string };
  /** An organization was locked or unlocked. */
  'organization.lock_changed': { organizationId: string; locked: boolean };
  /** A new organization exists (modules seed their per-organization defaults, e.g. the `main` agent). */
  'organization.created': { organizationId: string; slug: string };
  /** A cluster-wide setting changed (lockdown, …): caches must refresh. */
  'settings.changed': { key: string };
  /** OpenClaw `chat` event of a run (see GATEWAY_PROTOCOL.md). */
  chat: { organizationId: string; sessionKey: string; runId: string; payload: Record<string, unknown> };
  /** OpenClaw `agent` event of a run (tool calls, subagent updates). */
  agent: { organizationId: string; sessionKey: string; runId: string; payload: Record<string, unknown> };
  /** A run reached its terminal state (scheduler, webhooks and metrics listen). */
  'run.finished': {
    organizationId: string;
    runId: string;
    sessionKey: string;
    status: 'succeeded' | 'failed' | 'aborted' | 'timed_out';
    error?: string;
    source: string;
    sourceRef?: string;
    durationMs: number;
  };
  /** Abort of running runs was requested; the replica executing them stops them (runtime). */
  'run.abort_requested': { organizationId: string; sessionKey: string; runIds: string[] };
  /** A session was created, changed or deleted. */
  'sessions.changed': { organizationId: string; sessionKey: string; reason: string; payload?: Record<string, unknown> };
  /** Anything else a module needs to broadcast, e.g. approvals: { organizationId, event, payload }. */
  'gateway.broadcast': { organizationId: string; event: string; payload: unknown; requiredScope?: string };
  /** An operator answered an ACP permission request: the replica whose agent waits for it replies to the agent. */
  'subagents.approval_resolved': { organizationId: string; approvalId: string; decision: 'approve' | 'deny' };
  /** A webhook was changed or deleted: ingest caches on every replica drop it. */
  'webhooks.changed': { organizationId: string; webhookId: string };
  /** POST /api/mcp/reload on one replica: the others re-read the MCP and tools config too. */
  'mcp.reload_requested': { origin: string };
  /**
   * A replica's gateway clients of one organization, so every replica's presence lists them all:
   * sent when they change and every few seconds; `ttlMs` 0 withdraws them (last client gone, shutdown).
   */
  'gateway.presence': { replicaId: string; organizationId: string; entries: PresenceEntry[]; total: number; ttlMs: number };
  /** A hook was enabled or disabled: hook state caches on every replica drop the organization. */
  'hooks.changed': { organizationId: string; name: string };
}

export type EventType = keyof EventMap;
