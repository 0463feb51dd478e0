import type { ToolsSettings } from '../config/tools-config';

/** The per-tool override for `name`: an exact entry, else the longest `prefix*` entry that matches. */
export function overrideFor(overrides: Record<string, number>, name: string): number | undefined {
  if (overrides[name] !== undefined) return overrides[name];
  let best: { len: number; secs: number } | undefined;
  for (const [pattern, secs] of Object.entries(overrides)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (name.startsWith(prefix) && (!best || prefix.length > best.len)) best = { len: prefix.length, secs };
  }
  return best?.secs;
}

/**
 * Time budget of one tool call, in seconds (runbook "Timeout Budget Tuning"):
 * input `timeout_secs` > `tool_timeout_overrides.<tool>` > the default — for
 * MCP tools the server's MCP request timeout (`request_timeout_secs` >
 * `default_mcp_request_timeout_secs`), for every other tool `default_tool_timeout_secs`.
 */
export function toolTimeoutSecs(
  settings: Pick<ToolsSettings, 'defaultToolTimeoutSecs' | 'toolTimeoutOverrides'>,
  name: string,
  inputTimeoutSecs: unknown,
  mcpRequestTimeoutSecs?: number,
): number {
  if (typeof inputTimeoutSecs === 'number' && Number.isFinite(inputTimeoutSecs) && inputTimeoutSecs > 0)
    return inputTimeoutSecs;
  return (
    overrideFor(settings.toolTimeoutOverrides, name) ??
    mcpRequestTimeoutSecs ??
    settings.defaultToolTimeoutSecs
  );
}
