import type { ReasoningLevel, ThinkingLevel } from '../../sessions/session.types';
import type { RunUsage } from '../run.types';
import type { ToolDescriptor } from '../tools/tool.types';

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, as models produce them. */
  arguments: string;
}

export type ProviderMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string; name: string };

export interface ProviderConnection {
  baseUrl?: string;
  apiKey?: string;
  model?: string;
}

export interface ProviderTurnRequest {
  messages: ProviderMessage[];
  connection: ProviderConnection;
  thinkingLevel: ThinkingLevel | null;
  reasoningLevel: ReasoningLevel | null;
  tools: ToolDescriptor[];
  signal: AbortSignal;
  /** Called for every streamed piece of the answer's text. */
  onDelta(text: string): void;
  /** The run this turn belongs to (providers that drive external processes, e.g. ACP subagents, need it). */
  run?: { id: string; sessionKey: string; organizationId: string; source: string; sourceRef: string | null };
  /** Publishes an OpenClaw `agent` event of the run (plans, tool calls of an external agent). */
  onAgentEvent?(stream: string, data: Record<string, unknown>): void;
}

export interface ProviderTurnResult {
  text: string;
  toolCalls: ToolCall[];
  usage?: RunUsage;
  stopReason?: string;
}

/** A model behind one interface: one turn = one streamed completion (maybe asking for tools). */
export interface ModelProvider {
  readonly type: string;
  turn(request: ProviderTurnRequest): Promise<ProviderTurnResult>;
}

/** `subagent`: an external agent process (ACP) failed: exited early, broke the protocol, exceeded a limit. */
export type ProviderErrorKind = 'http' | 'network' | 'timeout' | 'malformed' | 'config' | 'directive' | 'subagent';

/** A provider failure with a message safe to show operators (never the API key). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly kind: ProviderErrorKind,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
