import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { ToolRegistry } from '../../runtime/tools/tool-registry';
import type { ToolContext, ToolResult } from '../../runtime/tools/tool.types';
import { MemoryService } from './memory.service';

const MAX_CONTENT = 10_000;
const tagsSchema = { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 20 };

type Args = Record<string, unknown>;

function problem(tool: string, args: Args, allowed: string[]): string | undefined {
  const unknown = Object.keys(args).filter((k) => !allowed.includes(k));
  if (unknown.length)
    return `${tool}: unknown argument(s) ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`;
  if (
    args.content !== undefined &&
    (typeof args.content !== 'string' || !args.content.trim() || args.content.length > MAX_CONTENT)
  )
    return `${tool}: content must be 1-${MAX_CONTENT} characters`;
  if (
    args.tags !== undefined &&
    (!Array.isArray(args.tags) ||
      args.tags.length > 20 ||
      args.tags.some((t) => typeof t !== 'string' || !t || t.length > 64))
  )
    return `${tool}: tags must be up to 20 strings of 1-64 characters`;
  if (args.query !== undefined && (typeof args.query !== 'string' || args.query.length > 500))
    return `${tool}: query must be a string of up to 500 characters`;
  if (
    args.limit !== undefined &&
    (!Number.isInteger(args.limit) || (args.limit as number) < 1 || (args.limit as number) > 100)
  )
    return `${tool}: limit must be an integer from 1 to 100`;
  if (args.id !== undefined && (typeof args.id !== 'string' || !args.id || args.id.length > 200))
    return `${tool}: id must be a memory id`;
  return undefined;
}

/**
 * The structured-memory tools of the current chat: `remember`,
 * `structured_memory_search`, `structured_memory_update`, `structured_memory_delete`.
 */
@Injectable()
export class MemoryTools implements OnModuleInit, OnModuleDestroy {
  private readonly unregister: (() => void)[] = [];

  constructor(
    private readonly registry: ToolRegistry,
    private readonly memory: MemoryService,
  ) {}

  onModuleInit(): void {
    const tool = (
      name: string,
      description: string,
      properties: Record<string, unknown>,
      required: string[],
      run: (a: Args, ctx: ToolContext) => Promise<ToolResult>,
    ) =>
      this.unregister.push(
        this.registry.register({
          name,
          description,
          inputSchema: { type: 'object', properties, required, additionalProperties: false },
          execute: (args, ctx) => {
            const bad = problem(name, args, Object.keys(properties));
            return bad
              ? Promise.resolve({ content: bad, isError: true })
              : this.asCaller(ctx, () => run(args, ctx));
          },
        }),
      );
    tool(
      'remember',
      'Remember a fact for this chat (structured memory).',
      { content: { type: 'string', maxLength: MAX_CONTENT }, tags: tagsSchema },
      ['content'],
      async (a, ctx) => {
        const item = await this.memory.remember(
          ctx.sessionKey,
          (a.content as string).trim(),
          (a.tags as string[]) ?? [],
        );
        return { content: JSON.stringify({ remembered: item }) };
      },
    );
    tool(
      'structured_memory_search',
      "Search this chat's structured memories (newest first); without query or tags, list them.",
      { query: { type: 'string' }, tags: tagsSchema, limit: { type: 'integer', minimum: 1, maximum: 100 } },
      [],
      async (a, ctx) => {
        const items = await this.memory.search(ctx.sessionKey, {
          query: a.query as string | undefined,
          tags: a.tags as string[] | undefined,
          limit: (a.limit as number) ?? 20,
        });
        return { content: JSON.stringify({ items }) };
      },
    );
    tool(
      'structured_memory_update',
      'Change the content and/or tags of a memory of this chat.',
      { id: { type: 'string' }, content: { type: 'string', maxLength: MAX_CONTENT }, tags: tagsSchema },
      ['id'],
      async (a, ctx) => {
        if (a.content === undefined && a.tags === undefined)
          return { content: 'structured_memory_update: give content and/or tags', isError: true };
        const item = await this.memory.update(ctx.sessionKey, a.id as string, {
          content: a.content as string | undefined,
          tags: a.tags as string[] | undefined,
        });
        return item
          ? { content: JSON.stringify({ updated: item }) }
          : { content: `no memory '${a.id}' in this chat`, isError: true };
      },
    );
    tool(
      'structured_memory_delete',
      'Delete a memory of this chat.',
      { id: { type: 'string' } },
      ['id'],
      async (a, ctx) => {
        const deleted = await this.memory.delete(ctx.sessionKey, a.id as string);
        return deleted
          ? { content: JSON.stringify({ deleted: a.id }) }
          : { content: `no memory '${a.id}' in this chat`, isError: true };
      },
    );
  }

  onModuleDestroy(): void {
    this.unregister.forEach((u) => u());
  }

  /** Tools run for the agent of a run: act in its organization as that session. */
  private asCaller<T>(ctx: ToolContext, fn: () => Promise<T>): Promise<T> {
    const principal = {
      ...systemPrincipal(ctx.organizationId),
      kind: 'agent' as const,
      id: ctx.sessionKey,
      actor: `agent:${ctx.sessionKey}`,
    };
    return RequestContext.run(
      { requestId: RequestContext.requestId() ?? `tool-${ctx.runId}`, transport: 'system', principal },
      fn,
    );
  }
}
