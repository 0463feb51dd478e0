import { SessionView } from '../../sessions/session.types';

function epochMs(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** A session as OpenClaw clients expect it in `sessions.list` rows and `entry` payloads (times in epoch ms). */
export function toGatewaySession(v: SessionView): Record<string, unknown> {
  return {
    key: v.key,
    sessionId: v.key,
    kind: 'direct',
    agentId: v.agentId,
    name: v.name,
    label: v.label,
    displayName: v.label ?? v.name,
    thinkingLevel: v.thinkingLevel,
    verboseLevel: v.verboseLevel,
    reasoningLevel: v.reasoningLevel,
    model: v.model,
    parentKey: v.parentKey,
    forkPoint: v.forkPoint,
    parentMissing: v.parentMissing,
    agentExists: v.agentExists,
    messageCount: v.messageCount,
    createdAt: epochMs(v.createdAt),
    updatedAt: epochMs(v.updatedAt),
    lastRunAt: epochMs(v.lastRunAt),
  };
}

/** The four settings `sessions.set*` report back. */
export function sessionSettings(v: SessionView): Record<string, unknown> {
  return { label: v.label, thinkingLevel: v.thinkingLevel, verboseLevel: v.verboseLevel, reasoningLevel: v.reasoningLevel };
}
