import { Memory } from './entities/memory.entity';

export type MemoryBackendName = 'mcp' | 'postgres';

/** A memory as tools and the MCP memory protocol see it. */
export interface MemoryItem {
  id: string;
  content: string;
  tags: string[];
  created_at: string | null;
  updated_at: string | null;
  backend: MemoryBackendName;
}

export function fromRow(m: Memory): MemoryItem {
  return {
    id: m.id,
    content: m.content,
    tags: m.tags ?? [],
    created_at: m.createdAt?.toISOString() ?? null,
    updated_at: m.updatedAt?.toISOString() ?? null,
    backend: 'postgres',
  };
}

/** A memory item from an MCP server, or undefined when the shape is not one. */
export function fromMcp(raw: unknown): MemoryItem | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : undefined;
  if (!id || typeof r.content !== 'string') return undefined;
  const tags = Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string') : [];
  const date = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id,
    content: r.content,
    tags,
    created_at: date(r.created_at),
    updated_at: date(r.updated_at),
    backend: 'mcp',
  };
}
