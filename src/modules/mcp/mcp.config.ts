import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { resolve } from 'node:path';
import { EnvVar } from '../../config/env-var.decorator';

/**
 * MCP servers and agent tools. The servers come from files (`mcp.json` +
 * `mcp.d/*.json` in MCP_CONFIG_DIR); tool timeouts and web_fetch policy from
 * TOOLS_CONFIG_FILE, with the variables below taking precedence over the file.
 */
export class McpConfig {
  @EnvVar({
    name: 'MCP_CONFIG_DIR',
    doc: 'Directory holding mcp.json and mcp.d/*.json (default: DATA_DIR; none when DATA_DIR is memory://)',
  })
  @IsOptional()
  @IsString()
  configDir?: string;

  @EnvVar({
    name: 'MCP_ENABLED',
    doc: 'Connect to the configured MCP servers (false: none are started, e.g. for one-off CLI commands)',
    default: 'true',
  })
  @IsBoolean()
  enabled: boolean;

  @EnvVar({
    name: 'TOOLS_CONFIG_FILE',
    doc: 'YAML or JSON file with default_tool_timeout_secs, tool_timeout_overrides, default_mcp_request_timeout_secs, web_fetch_validation, web_fetch_url_validation',
  })
  @IsOptional()
  @IsString()
  toolsConfigFile?: string;

  @EnvVar({
    name: 'DEFAULT_TOOL_TIMEOUT_SECS',
    doc: 'Time budget of a tool call when neither its input timeout_secs nor tool_timeout_overrides set one (overrides the file; built-in default 30)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  defaultToolTimeoutSecs?: number;

  @EnvVar({
    name: 'TOOL_TIMEOUT_OVERRIDES',
    doc: 'Per-tool budgets: JSON {"web_fetch": 20} or web_fetch=20,mcp.github.search=60 (merged over the file)',
  })
  @IsOptional()
  @Matches(/^\s*(\{.*\}|[A-Za-z0-9_.:*-]+\s*=\s*\d+(\s*,\s*[A-Za-z0-9_.:*-]+\s*=\s*\d+)*)\s*$/s, {
    message: 'must be a JSON object of seconds or name=secs,name=secs',
  })
  toolTimeoutOverrides?: string;

  @EnvVar({
    name: 'DEFAULT_MCP_REQUEST_TIMEOUT_SECS',
    doc: 'MCP request timeout of servers without request_timeout_secs (overrides the file; built-in default 120)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  defaultMcpRequestTimeoutSecs?: number;

  @EnvVar({
    name: 'MCP_RECONNECT_MAX_DELAY_MS',
    doc: 'A disconnected MCP server is reconnected with exponential backoff up to this delay',
    default: '30000',
  })
  @IsInt()
  @Min(100)
  reconnectMaxDelayMs: number;

  /** Where the MCP files live, or undefined when there is no directory to read. */
  resolveConfigDir(dataDir: string): string | undefined {
    if (this.configDir) return resolve(this.configDir);
    if (!dataDir || dataDir.startsWith('memory://')) return undefined;
    return resolve(dataDir);
  }
}
