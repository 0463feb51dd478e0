import { AppException } from '../../common/errors/app-exception';

const retryAfter = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

export const McpErrors = {
  serverNotFound: (name: string) =>
    new AppException(
      404,
      'MCP_SERVER_NOT_FOUND',
      `MCP server '${name}' is not configured for this organization (see GET /api/mcp/servers)`,
    ),
  serverDisabled: (name: string) =>
    new AppException(
      409,
      'MCP_SERVER_DISABLED',
      `MCP server '${name}' is disabled ("enabled": false in its config, or MCP_ENABLED=false)`,
    ),
  toolNotFound: (server: string, tool: string, known: string[]) =>
    new AppException(404, 'MCP_TOOL_NOT_FOUND', `MCP server '${server}' has no tool '${tool}'`, {
      available_tools: known,
    }),
  rateLimited: (message: string, ms: number) =>
    new AppException(
      429,
      'MCP_RATE_LIMITED',
      message,
      { retry_after_secs: Number(retryAfter(ms)) },
      { 'Retry-After': retryAfter(ms) },
    ),
  bulkheadFull: (message: string, ms: number) =>
    new AppException(
      503,
      'MCP_BULKHEAD_FULL',
      message,
      { retry_after_secs: Number(retryAfter(ms)) },
      { 'Retry-After': retryAfter(ms) },
    ),
  circuitOpen: (message: string, ms: number) =>
    new AppException(
      503,
      'MCP_CIRCUIT_OPEN',
      message,
      { retry_after_secs: Number(retryAfter(ms)) },
      { 'Retry-After': retryAfter(ms) },
    ),
  timeout: (message: string) => new AppException(504, 'MCP_TOOL_TIMEOUT', message),
  serverError: (message: string) => new AppException(502, 'MCP_SERVER_ERROR', message),
};
