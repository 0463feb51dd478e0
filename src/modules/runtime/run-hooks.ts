import { Injectable, Logger } from '@nestjs/common';
import type { ToolResult } from './tools/tool.types';

interface RunHookBase {
  organizationId: string;
  runId: string;
  sessionKey: string;
  agentId: string;
}

export interface BeforeRunEvent extends RunHookBase {
  message: string;
  source: string;
}

export interface AfterRunEvent extends RunHookBase {
  status: string;
  error: string | null;
  durationMs: number;
}

export interface BeforeToolEvent extends RunHookBase {
  tool: string;
  arguments: Record<string, unknown>;
}

export interface AfterToolEvent extends BeforeToolEvent {
  result: ToolResult;
}

/** What a before-hook decided: `blocked` (a reason) stops the run or the tool call; the rest replaces the input. */
export interface BeforeRunDecision {
  blocked?: string;
  message?: string;
}

export interface BeforeToolDecision {
  blocked?: string;
  arguments?: Record<string, unknown>;
}

export interface AfterToolDecision {
  result?: ToolResult;
}

/**
 * Lifecycle hooks around runs and tool calls, implemented by the hooks module
 * (src/modules/hooks). Implementations must not throw and must bound their own time.
 */
export interface RunHooksProvider {
  beforeRun(event: BeforeRunEvent): Promise<BeforeRunDecision>;
  afterRun(event: AfterRunEvent): Promise<void>;
  beforeTool(event: BeforeToolEvent): Promise<BeforeToolDecision>;
  afterTool(event: AfterToolEvent): Promise<AfterToolDecision>;
}

/**
 * The runtime's hook points. Without a provider every call is a no-op; a
 * provider that throws anyway is logged and ignored, so hooks never fail a run.
 */
@Injectable()
export class RunHooks {
  private readonly logger = new Logger('RunHooks');
  private provider?: RunHooksProvider;

  /** Installs the provider; returns a function that removes it. */
  use(provider: RunHooksProvider): () => void {
    this.provider = provider;
    return () => {
      if (this.provider === provider) this.provider = undefined;
    };
  }

  beforeRun(event: BeforeRunEvent): Promise<BeforeRunDecision> {
    return this.safely('before_run', {}, (p) => p.beforeRun(event));
  }

  afterRun(event: AfterRunEvent): Promise<void> {
    return this.safely('after_run', undefined, (p) => p.afterRun(event));
  }

  beforeTool(event: BeforeToolEvent): Promise<BeforeToolDecision> {
    return this.safely('before_tool', {}, (p) => p.beforeTool(event));
  }

  afterTool(event: AfterToolEvent): Promise<AfterToolDecision> {
    return this.safely('after_tool', {}, (p) => p.afterTool(event));
  }

  private async safely<T>(what: string, fallback: T, fn: (p: RunHooksProvider) => Promise<T>): Promise<T> {
    const provider = this.provider;
    if (!provider) return fallback;
    try {
      return (await fn(provider)) ?? fallback;
    } catch (err) {
      this.logger.warn(`${what} hooks failed and were skipped: ${(err as Error)?.message ?? err}`);
      return fallback;
    }
  }
}
