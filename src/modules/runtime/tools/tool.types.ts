export interface ToolContext {
  sessionKey: string;
  runId: string;
  organizationId: string;
  signal: AbortSignal;
}

/** How a tool call ended, for tool_calls_total{outcome} (policy_blocked is left out of tool reliability). */
export type ToolOutcome = 'ok' | 'error' | 'timeout' | 'rejected' | 'policy_blocked';

export interface ToolResult {
  content: string;
  isError?: boolean;
  /** Set by tools that know better than isError (a guardrail rejection, a timeout, a policy block). */
  outcome?: ToolOutcome;
}

export interface Tool {
  /** Unique name, e.g. `mcp.github.search_issues` or `schedule_task`. */
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  inputSchema: Record<string, unknown>;
  execute(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
  /** Organizations that may see and call the tool (default: all), e.g. an MCP server configured for some. */
  visibleTo?(organizationId: string): boolean;
}

/** The time budget of one call in ms (the registry aborts the tool after it), or undefined for none. */
export type ToolTimeoutPolicy = (toolName: string, args: Record<string, unknown>) => number | undefined;

export interface ToolDescriptor {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}
