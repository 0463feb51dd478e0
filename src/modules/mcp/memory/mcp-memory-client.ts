import type { CallOutcome, McpServerRuntime } from '../client/mcp-server-runtime';
import { textOf } from '../client/mcp-server-runtime';
import { fromMcp, MemoryItem } from './memory-item';

export const MEMORY_QUERY = 'memory_query';
export const MEMORY_UPSERT = 'memory_upsert';
export const MCP_MEMORY_TOOLS = [MEMORY_QUERY, MEMORY_UPSERT];

/** Stable categories of a fallback to PostgreSQL (shown as last_fallback_reason). */
export type FallbackReason =
  | 'timeout'
  | 'transport'
  | 'invalid_payload'
  | 'unsupported_operation'
  | 'server_error';

/** A memory operation the MCP server could not serve; the caller falls back to PostgreSQL. */
export class MemoryPrimaryError extends Error {
  constructor(
    readonly reason: FallbackReason,
    message: string,
  ) {
    super(message);
  }
}

const UNSUPPORTED = /\b(unsupported|not supported|unknown operation|not implemented)\b/i;

/** The JSON document of an MCP result: structuredContent, else the text parsed as JSON. */
function payloadOf(outcome: Extract<CallOutcome, { kind: 'ok' }>): Record<string, unknown> {
  const structured = outcome.result.structuredContent;
  if (structured && typeof structured === 'object') return structured as Record<string, unknown>;
  try {
    const doc = JSON.parse(textOf(outcome.result));
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
    if (Array.isArray(doc)) return { items: doc };
  } catch {
    // falls through
  }
  throw new MemoryPrimaryError(
    'invalid_payload',
    'the memory server answered something that is not a JSON object',
  );
}

/** Classifies a non-ok outcome; returns the payload of an ok one. */
function unwrap(outcome: CallOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'ok':
      return payloadOf(outcome);
    case 'tool_error': {
      const text = textOf(outcome.result).slice(0, 200);
      throw new MemoryPrimaryError(
        UNSUPPORTED.test(text) ? 'unsupported_operation' : 'server_error',
        text || 'tool error',
      );
    }
    case 'rejected':
      throw new MemoryPrimaryError('transport', outcome.rejection.message);
    case 'failed':
      throw new MemoryPrimaryError(
        outcome.error.kind === 'timeout' ? 'timeout' : 'transport',
        outcome.error.message,
      );
  }
}

export type CallMemoryTool = (
  runtime: McpServerRuntime,
  tool: string,
  args: Record<string, unknown>,
) => Promise<CallOutcome>;

/**
 * The memory protocol spoken to an MCP server exposing `memory_query` and `memory_upsert`:
 *   memory_query  {operation: "list"|"search", organization_id, chat_id, query?, tags?, limit?} → {items: [{id, content, tags, created_at?, updated_at?}]}
 *   memory_upsert {operation: "insert"|"update"|"delete", organization_id, chat_id, id?, content?, tags?} → {item: {...}} | {deleted: boolean}
 * Answers may come as structuredContent or as JSON text. Any other shape is invalid_payload.
 */
export class McpMemoryClient {
  constructor(
    private readonly runtime: McpServerRuntime,
    private readonly call: CallMemoryTool,
  ) {}

  get server(): string {
    return this.runtime.name;
  }

  async query(args: {
    organizationId: string;
    chatId: string;
    operation: 'list' | 'search';
    query?: string;
    tags?: string[];
    limit: number;
  }): Promise<MemoryItem[]> {
    const doc = unwrap(
      await this.call(this.runtime, MEMORY_QUERY, {
        operation: args.operation,
        organization_id: args.organizationId,
        chat_id: args.chatId,
        ...(args.query ? { query: args.query } : {}),
        ...(args.tags?.length ? { tags: args.tags } : {}),
        limit: args.limit,
      }),
    );
    if (!Array.isArray(doc.items))
      throw new MemoryPrimaryError('invalid_payload', 'memory_query did not answer {items: [...]}');
    const items = doc.items.map(fromMcp);
    if (items.some((i) => !i))
      throw new MemoryPrimaryError('invalid_payload', 'memory_query answered an item without id or content');
    return items as MemoryItem[];
  }

  async upsert(args: {
    organizationId: string;
    chatId: string;
    operation: 'insert' | 'update';
    id?: string;
    content?: string;
    tags?: string[];
  }): Promise<MemoryItem | null> {
    const doc = unwrap(
      await this.call(this.runtime, MEMORY_UPSERT, {
        operation: args.operation,
        organization_id: args.organizationId,
        chat_id: args.chatId,
        ...(args.id ? { id: args.id } : {}),
        ...(args.content !== undefined ? { content: args.content } : {}),
        ...(args.tags !== undefined ? { tags: args.tags } : {}),
      }),
    );
    if (doc.item === null && args.operation === 'update') return null;
    const item = fromMcp(doc.item);
    if (!item)
      throw new MemoryPrimaryError(
        'invalid_payload',
        `memory_upsert (${args.operation}) did not answer {item: {id, content, ...}}`,
      );
    return item;
  }

  async remove(args: { organizationId: string; chatId: string; id: string }): Promise<boolean> {
    const doc = unwrap(
      await this.call(this.runtime, MEMORY_UPSERT, {
        operation: 'delete',
        organization_id: args.organizationId,
        chat_id: args.chatId,
        id: args.id,
      }),
    );
    if (typeof doc.deleted !== 'boolean')
      throw new MemoryPrimaryError(
        'invalid_payload',
        'memory_upsert (delete) did not answer {deleted: boolean}',
      );
    return doc.deleted;
  }
}
