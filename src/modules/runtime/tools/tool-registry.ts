import { Injectable, Logger } from '@nestjs/common';
import { Tool, ToolContext, ToolDescriptor, ToolResult, ToolTimeoutPolicy } from './tool.types';

export type { Tool, ToolContext, ToolDescriptor, ToolOutcome, ToolResult, ToolTimeoutPolicy } from './tool.types';

const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** True when `name` is allowed by one of `patterns` (exact names, `*`, or prefixes like `mcp.github.*`). */
export function toolAllowed(name: string, patterns: readonly string[]): boolean {
  return patterns.some(
    (p) => p === '*' || p === name || (p.endsWith('*') && name.startsWith(p.slice(0, -1))),
  );
}

/**
 * The tools agents may call during a run. Modules (MCP servers, the scheduler)
 * register theirs at start-up; an agent's `tools` list decides which it sees.
 * Execution never throws: failures become `{isError: true}` results the model reads.
 */
@Injectable()
export class ToolRegistry {
  private readonly logger = new Logger('ToolRegistry');
  private readonly tools = new Map<string, Tool>();
  private timeoutPolicy?: ToolTimeoutPolicy;

  /** Sets how long a call may take (the MCP module's `timeout_secs > tool_timeout_overrides > default_tool_timeout_secs`). */
  setTimeoutPolicy(policy: ToolTimeoutPolicy | undefined): void {
    this.timeoutPolicy = policy;
  }

  /** Registers (or replaces) a tool; returns a function that unregisters it. */
  register(tool: Tool): () => void {
    if (!TOOL_NAME.test(tool.name)) {
      throw new Error(`invalid tool name '${tool.name}': use 1-128 of A-Z a-z 0-9 _ . : -`);
    }
    this.tools.set(tool.name, tool);
    return () => {
      if (this.tools.get(tool.name) === tool) this.tools.delete(tool.name);
    };
  }

  unregister(name: string): boolean {
    return this.tools.delete(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** Descriptors of every tool, or of those `allowed` patterns permit (and, given one, visible to the organization). */
  list(allowed?: readonly string[], organizationId?: string): ToolDescriptor[] {
    return [...this.tools.values()]
      .filter((t) => !allowed || toolAllowed(t.name, allowed))
      .filter((t) => !organizationId || !t.visibleTo || t.visibleTo(organizationId))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
  }

  async execute(name: string, args: unknown, ctx: ToolContext): Promise<ToolResult> {
    const tool = this.tools.get(name);
    if (!tool || (tool.visibleTo && !tool.visibleTo(ctx.organizationId)))
      return { content: `unknown tool: ${name}`, isError: true };
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      return { content: `invalid arguments for ${name}: expected a JSON object`, isError: true };
    }
    const missing = requiredMissing(tool.inputSchema, args as Record<string, unknown>);
    if (missing.length)
      return { content: `invalid arguments for ${name}: missing ${missing.join(', ')}`, isError: true };
    if (ctx.signal.aborted) return { content: `tool ${name} not run: the run was aborted`, isError: true };
    const input = args as Record<string, unknown>;
    const t = input.timeout_secs;
    if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 86_400))
      return { content: `invalid arguments for ${name}: timeout_secs must be a number of seconds from 0 to 86400`, isError: true };
    const budgetMs = this.timeoutPolicy?.(name, input);
    const toolArgs = declares(tool.inputSchema, 'timeout_secs') ? input : withoutKey(input, 'timeout_secs');
    const controller = new AbortController();
    const onAbort = () => controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ToolResult>((resolve) => {
      if (!budgetMs) return;
      timer = setTimeout(() => {
        controller.abort('timeout');
        resolve({ content: `tool ${name} timed out after ${budgetMs / 1000} s`, isError: true, outcome: 'timeout' });
      }, budgetMs);
    });
    try {
      const run = tool.execute(toolArgs, { ...ctx, signal: controller.signal }).then(
        (result) => ({
          content: String(result?.content ?? ''),
          isError: !!result?.isError,
          ...(result?.outcome ? { outcome: result.outcome } : {}),
        }),
        (err) => {
          const message = (err as Error)?.message ?? String(err);
          this.logger.warn(`tool ${name} failed: ${message}`);
          return { content: `tool ${name} failed: ${message}`, isError: true };
        },
      );
      return await Promise.race([run, timedOut]);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }
}

function declares(schema: Record<string, unknown>, key: string): boolean {
  const props = schema?.properties;
  return !!props && typeof props === 'object' && key in (props as object);
}

function withoutKey(args: Record<string, unknown>, key: string): Record<string, unknown> {
  if (!(key in args)) return args;
  const { [key]: _dropped, ...rest } = args;
  return rest;
}

function requiredMissing(schema: Record<string, unknown>, args: Record<string, unknown>): string[] {
  const required = Array.isArray(schema?.required) ? (schema.required as unknown[]) : [];
  return required.filter((k): k is string => typeof k === 'string' && args[k] === undefined);
}
