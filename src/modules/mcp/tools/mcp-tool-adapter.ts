import { fenceExternal } from '../../runtime/fence';
import type { ToolResult } from '../../runtime/tools/tool.types';
import { CallOutcome, textOf } from '../client/mcp-server-runtime';

/** Largest MCP result text handed to a model; the rest is cut with a note. */
export const MAX_RESULT_CHARS = 100_000;

/** An MCP tool name as the registry accepts it (A-Z a-z 0-9 _ . : -); other characters become '_'. */
export function mcpToolName(tool: string): string {
  return tool.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** A bounded label for mcp_tool_calls_total{outcome}. */
export function outcomeLabel(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case 'ok':
    case 'tool_error':
    case 'rejected':
      return outcome.kind;
    case 'failed':
      return outcome.error.kind;
  }
}

/**
 * What the agent reads: the tool's text fenced as external data, or a clear
 * error (a guardrail rejection names the guardrail and when to retry). Never throws.
 */
export function mcpToolResult(server: string, tool: string, outcome: CallOutcome): ToolResult {
  switch (outcome.kind) {
    case 'ok':
    case 'tool_error': {
      let text = textOf(outcome.result);
      if (text.length > MAX_RESULT_CHARS)
        text = `${text.slice(0, MAX_RESULT_CHARS)}\n[… cut: the result had ${text.length} characters]`;
      const fenced = fenceExternal(`mcp:${server}.${tool}`, text);
      return outcome.kind === 'ok'
        ? { content: fenced }
        : { content: fenced, isError: true, outcome: 'error' };
    }
    case 'rejected':
      return { content: outcome.rejection.message, isError: true, outcome: 'rejected' };
    case 'failed': {
      const e = outcome.error;
      if (e.kind === 'timeout')
        return {
          content: `MCP server '${server}' tool '${tool}' timed out: ${e.message}`,
          isError: true,
          outcome: 'timeout',
        };
      if (e.kind === 'aborted')
        return { content: `MCP tool '${tool}' was cancelled`, isError: true, outcome: 'error' };
      return {
        content: `MCP server '${server}' tool '${tool}' failed: ${e.message}`,
        isError: true,
        outcome: 'error',
      };
    }
  }
}
