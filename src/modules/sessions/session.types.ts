export const THINKING_LEVELS = ['off', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export const VERBOSE_LEVELS = ['off', 'on', 'full'] as const;
export const REASONING_LEVELS = ['off', 'on', 'stream'] as const;
export type ThinkingLevel = (typeof THINKING_LEVELS)[number];
export type VerboseLevel = (typeof VERBOSE_LEVELS)[number];
export type ReasoningLevel = (typeof REASONING_LEVELS)[number];

/** A session as services and transports see it (camelCase; REST maps to snake_case). */
export interface SessionView {
  key: string;
  agentId: string;
  name: string;
  label: string | null;
  thinkingLevel: ThinkingLevel | null;
  verboseLevel: VerboseLevel | null;
  reasoningLevel: ReasoningLevel | null;
  model: string | null;
  parentKey: string | null;
  /** Message count copied from the parent when forked. */
  forkPoint: number | null;
  /** True when parentKey names a session that no longer exists. */
  parentMissing: boolean;
  /** False when the session's agent was deleted (sending answers 409 AGENT_DELETED). */
  agentExists: boolean;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
  lastRunAt: string | null;
}

export interface SessionListFilter {
  limit?: number;
  offset?: number;
  agentId?: string;
  search?: string;
  label?: string;
  /** Only sessions updated within the last N minutes. */
  activeMinutes?: number;
}

export interface SessionTreeNode {
  key: string;
  label: string | null;
  agentId: string;
  parentKey: string | null;
  forkPoint: number | null;
  parentMissing: boolean;
  children: SessionTreeNode[];
}

export interface SpawnInput {
  agentId?: string;
  name?: string;
  label?: string;
  task?: string;
  model?: string;
  runTimeoutSeconds?: number;
  runtime?: string;
  runtimeTarget?: string;
  /** The session that spawned this one (tree parent; an ACP subagent announces its result there). */
  parentKey?: string;
}

export interface ForkInput {
  sourceKey: string;
  targetKey?: string;
  /** Number of messages to copy (message index); default all. */
  forkPoint?: number;
}

export interface SessionPatch {
  label?: string | null;
  thinkingLevel?: ThinkingLevel | null;
  verboseLevel?: VerboseLevel | null;
  reasoningLevel?: ReasoningLevel | null;
  model?: string | null;
}

export interface ContentBlock {
  type: string;
  text?: string;
  [k: string]: unknown;
}

export interface HistoryMessage {
  role: string;
  content: ContentBlock[];
  timestamp: number;
  seq: number;
  runId: string | null;
}

export interface HistoryPage {
  messages: HistoryMessage[];
  hasMore: boolean;
  total: number;
  nextCursor?: string;
}
