import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ToolRegistry } from '../../runtime/tools/tool-registry';
import { McpConfig } from '../mcp.config';
import { toolTimeoutSecs } from '../tools/tool-timeouts';
import { loadToolsSettings, ToolsSettings } from './tools-config';

/** The MCP request timeout of the server behind an `mcp.<server>.<tool>` name, if it is one. */
export type McpTimeoutLookup = (toolName: string) => number | undefined;

/**
 * The current tools settings (TOOLS_CONFIG_FILE + environment). Read at boot —
 * an invalid file stops the boot with the file and key named — and again on
 * POST /api/mcp/reload, where an invalid file keeps the previous settings.
 * Installs the timeout policy of the runtime's ToolRegistry.
 */
@Injectable()
export class ToolsSettingsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ToolsSettings');
  private settings: ToolsSettings;
  private mcpTimeout: McpTimeoutLookup = () => undefined;
  private readonly listeners: ((s: ToolsSettings) => void)[] = [];

  constructor(
    private readonly config: McpConfig,
    private readonly registry: ToolRegistry,
  ) {
    this.settings = loadToolsSettings(config);
  }

  onModuleInit(): void {
    if (this.settings.source) this.logger.log(`tools settings read from ${this.settings.source}`);
    this.registry.setTimeoutPolicy((name, args) => this.timeoutMs(name, args.timeout_secs));
  }

  onModuleDestroy(): void {
    this.registry.setTimeoutPolicy(undefined);
  }

  get current(): ToolsSettings {
    return this.settings;
  }

  /** Re-reads the file and environment; throws ToolsConfigError (settings unchanged) when invalid. */
  reload(): ToolsSettings {
    this.settings = loadToolsSettings(this.config);
    for (const l of this.listeners) {
      try {
        l(this.settings);
      } catch (err) {
        this.logger.warn(`tools settings listener failed: ${(err as Error).message}`);
      }
    }
    return this.settings;
  }

  /** Called after each successful reload (feed sync restarts its sources). */
  onChange(listener: (s: ToolsSettings) => void): void {
    this.listeners.push(listener);
  }

  useMcpTimeouts(lookup: McpTimeoutLookup): void {
    this.mcpTimeout = lookup;
  }

  /** input timeout_secs > tool_timeout_overrides.<tool> > MCP request timeout (MCP tools) or default_tool_timeout_secs. */
  timeoutMs(toolName: string, inputTimeoutSecs?: unknown): number {
    return Math.round(
      toolTimeoutSecs(this.settings, toolName, inputTimeoutSecs, this.mcpTimeout(toolName)) * 1000,
    );
  }
}
