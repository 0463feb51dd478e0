export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'aborted', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type TerminalRunStatus = 'succeeded' | 'failed' | 'aborted' | 'timed_out';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'aborted', 'timed_out'];

export type RunSource = 'rest' | 'bridge' | 'webhook' | 'scheduler' | 'spawn' | 'tool';

export interface StartRunInput {
  sessionKey: string;
  message: string;
  idempotencyKey?: string;
  /** Overrides the agent's run_timeout_secs. */
  timeoutMs?: number;
  /** Thinking level for this run only (else the session's). */
  thinking?: string;
  source: RunSource;
  sourceRef?: string;
  /** Model for this run only (else the session's, else the agent's). */
  model?: string;
  /** Provider for this run instead of the agent's (the ACP subagent module starts `acp` runs). */
  provider?: string;
}

export interface StartRunResult {
  runId: string;
  /** 'running' or 'queued' for a new run; a deduplicated run reports its current status. */
  status: RunStatus;
  deduplicated: boolean;
}

export interface RunUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

export interface RunView {
  id: string;
  sessionKey: string;
  status: RunStatus;
  source: string;
  sourceRef: string | null;
  idempotencyKey: string | null;
  error: string | null;
  usage: RunUsage | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  timeoutMs: number | null;
}

export interface AbortResult {
  aborted: boolean;
  runIds: string[];
}
