import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { systemPrincipal } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { DatabaseConfig } from '../../config/database.config';
import { OrganizationsRepository } from '../auth/repositories/organizations.repository';
import { AuditService } from '../auth/services/audit.service';
import { ToolRegistry } from '../runtime/tools/tool-registry';
import { ToolContext, ToolResult } from '../runtime/tools/tool.types';
import { VaultService } from '../secrets/vault.service';
import { McpCallResult, ResolvedSecrets } from './client/mcp-connection';
import { CallOutcome, McpServerRuntime } from './client/mcp-server-runtime';
import { loadMcpConfig, McpConfigLoad, McpConfigProblem } from './config/mcp-config-loader';
import { connectionFingerprint, McpServerSpec } from './config/mcp-server-spec';
import { ToolsSettingsService } from './config/tools-settings.service';
import { McpConfig } from './mcp.config';
import { McpErrors } from './mcp.errors';
import { McpMetrics } from './mcp.metrics';
import { mcpToolResult, mcpToolName, outcomeLabel } from './tools/mcp-tool-adapter';

interface ServerEntry {
  spec: McpServerSpec;
  fingerprint: string;
  /** Organization ids that see the server; null = all. */
  orgIds: Set<string> | null;
  runtime?: McpServerRuntime;
  /** Registry name → MCP tool name. */
  tools: Map<string, string>;
  unregister: (() => void)[];
}

export interface ReloadSummary {
  servers: string[];
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  config_errors: McpConfigProblem[];
  config_warnings: McpConfigProblem[];
  tools_config_error: string | null;
}

export type ConnectedListener = (runtime: McpServerRuntime) => void;

/**
 * The MCP servers of the configuration directory: connections (through the
 * SDK, reconnected when lost), guardrails, the tools they register in the
 * runtime's ToolRegistry (`mcp.<server>.<tool>`, visible to the server's
 * organizations), operator calls, and reload without restart.
 */
@Injectable()
export class McpService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mcp');
  private readonly servers = new Map<string, ServerEntry>();
  private readonly connectedListeners: ConnectedListener[] = [];
  private load: McpConfigLoad = { dir: undefined, files: [], servers: [], errors: [], warnings: [] };
  private orgWarnings: McpConfigProblem[] = [];
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly instanceId = randomUUID();
  private unsubscribe?: () => void;

  constructor(
    private readonly config: McpConfig,
    private readonly db: DatabaseConfig,
    private readonly registry: ToolRegistry,
    private readonly settings: ToolsSettingsService,
    private readonly metrics: McpMetrics,
    private readonly vault: VaultService,
    private readonly orgs: OrganizationsRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  get configDir(): string | undefined {
    return this.config.resolveConfigDir(this.db.dataDir);
  }

  get configLoad(): McpConfigLoad {
    return this.load;
  }

  get warnings(): McpConfigProblem[] {
    return [...this.load.warnings, ...this.orgWarnings];
  }

  async onApplicationBootstrap(): Promise<void> {
    this.settings.useMcpTimeouts((name) => this.requestTimeoutSecsOfTool(name));
    this.unsubscribe = this.bus.subscribe('mcp.reload_requested', (e) => {
      if (e.origin !== this.instanceId)
        void this.reload().catch((err) =>
          this.logger.warn(`reload from another replica failed: ${(err as Error).message}`),
        );
    });
    await this.reload();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.reloading.catch(() => undefined);
    await Promise.all([...this.servers.keys()].map((name) => this.remove(name)));
  }

  /** Registers a listener for every (re)connect of a server (the memory backend probes through it). */
  onServerConnected(listener: ConnectedListener): void {
    this.connectedListeners.push(listener);
  }

  /** Re-reads mcp.json + mcp.d/*.json and TOOLS_CONFIG_FILE, then connects new/changed servers and closes removed ones. */
  reload(opts: { broadcast?: boolean } = {}): Promise<ReloadSummary> {
    const next = this.reloading.catch(() => undefined).then(() => this.doReload());
    this.reloading = next;
    if (opts.broadcast)
      void next.then(() => this.bus.publish('mcp.reload_requested', { origin: this.instanceId }));
    return next;
  }

  /** Runtimes visible to the organization, by name. */
  visibleServers(
    organizationId: string,
  ): { spec: McpServerSpec; runtime?: McpServerRuntime; tools: Map<string, string> }[] {
    return [...this.servers.values()].filter((e) => !e.orgIds || e.orgIds.has(organizationId));
  }

  hasServer(name: string): boolean {
    return !!this.servers.get(name)?.runtime;
  }

  /** The first connected server visible to the organization that has every one of `tools`. */
  serverWithTools(organizationId: string, tools: string[]): McpServerRuntime | undefined {
    for (const e of this.visibleServers(organizationId).sort((a, b) =>
      a.spec.name.localeCompare(b.spec.name),
    )) {
      const have = new Set(e.runtime?.connection.tools.map((t) => t.name) ?? []);
      if (e.runtime && tools.every((t) => have.has(t))) return e.runtime;
    }
    return undefined;
  }

  /** Effective MCP request timeout of a server: request_timeout_secs > default_mcp_request_timeout_secs. */
  requestTimeoutSecs(spec: McpServerSpec): number {
    return spec.request_timeout_secs ?? this.settings.current.defaultMcpRequestTimeoutSecs;
  }

  /**
   * An operator's test call (POST /api/mcp/servers/:name/tools/:tool/call), through the same guardrails.
   * Budget: timeout_secs > tool_timeout_overrides.mcp.<server>.<tool> > the server's MCP request timeout.
   */
  async callAsOperator(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    timeoutSecs?: number,
  ): Promise<CallOutcome & { server: string; tool: string }> {
    const entry = this.servers.get(server);
    const orgId = RequestContext.organizationId();
    if (!entry || (entry.orgIds && !entry.orgIds.has(orgId))) throw McpErrors.serverNotFound(server);
    if (!entry.runtime) throw McpErrors.serverDisabled(server);
    const known = entry.runtime.connection.tools;
    if (entry.runtime.connected && !known.some((t) => t.name === tool))
      throw McpErrors.toolNotFound(
        server,
        tool,
        known.map((t) => t.name),
      );
    const timeoutMs = this.settings.timeoutMs(`mcp.${server}.${mcpToolName(tool)}`, timeoutSecs);
    const outcome = await entry.runtime.call(tool, args, { timeoutMs });
    this.metrics.calls.inc({ server, outcome: outcomeLabel(outcome) });
    await this.audit.record({
      action: 'mcp.tool.call',
      target: `mcp:${server}.${tool}`,
      outcome: outcome.kind === 'ok' ? 'ok' : 'failed',
      details: { result: outcomeLabel(outcome), duration_ms: outcome.durationMs },
    });
    return { ...outcome, server, tool };
  }

  /** A guarded call made by the platform itself (the memory backend). */
  async callInternal(
    runtime: McpServerRuntime,
    tool: string,
    args: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<CallOutcome> {
    const outcome = await runtime.call(tool, args, { timeoutMs });
    this.metrics.calls.inc({ server: runtime.name, outcome: outcomeLabel(outcome) });
    return outcome;
  }

  private async executeForAgent(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    ctx: ToolContext,
  ): Promise<ToolResult> {
    const runtime = this.servers.get(server)?.runtime;
    if (!runtime)
      return { content: `MCP server '${server}' is not available (removed or disabled)`, isError: true };
    const outcome = await runtime.call(tool, args, { signal: ctx.signal });
    this.metrics.calls.inc({ server, outcome: outcomeLabel(outcome) });
    return mcpToolResult(server, tool, outcome);
  }

  private requestTimeoutSecsOfTool(toolName: string): number | undefined {
    if (!toolName.startsWith('mcp.')) return undefined;
    const server = toolName.slice(4).split('.')[0];
    const entry = this.servers.get(server);
    return entry ? this.requestTimeoutSecs(entry.spec) : undefined;
  }

  private async doReload(): Promise<ReloadSummary> {
    let toolsError: string | null = null;
    try {
      this.settings.reload();
    } catch (err) {
      toolsError = (err as Error).message;
      this.logger.warn(`tools settings not reloaded (previous ones kept): ${toolsError}`);
    }
    const load = loadMcpConfig(this.configDir);
    for (const e of load.errors)
      this.logger.warn(
        `MCP config ${e.file}${e.server ? ` (server '${e.server}')` : ''} skipped: ${e.error}`,
      );
    for (const w of load.warnings)
      this.logger.warn(`MCP config ${w.file}${w.server ? ` (server '${w.server}')` : ''}: ${w.error}`);
    this.load = load;
    const orgWarnings: McpConfigProblem[] = [];
    const summary: ReloadSummary = {
      servers: load.servers.map((s) => s.name),
      added: [],
      removed: [],
      changed: [],
      unchanged: [],
      config_errors: load.errors,
      config_warnings: [],
      tools_config_error: toolsError,
    };
    const wanted = new Map(load.servers.map((s) => [s.name, s]));
    for (const name of [...this.servers.keys()]) {
      if (!wanted.has(name)) {
        await this.remove(name);
        summary.removed.push(name);
      }
    }
    for (const spec of load.servers) {
      const orgIds = await this.resolveOrganizations(spec, orgWarnings);
      const existing = this.servers.get(spec.name);
      const fingerprint = connectionFingerprint(spec);
      const wantRuntime = spec.enabled && this.config.enabled;
      if (existing && existing.fingerprint === fingerprint && !!existing.runtime === wantRuntime) {
        existing.spec = spec;
        existing.orgIds = orgIds;
        if (existing.runtime) {
          existing.runtime.spec = spec;
          existing.runtime.guard.update(spec);
        }
        summary.unchanged.push(spec.name);
        continue;
      }
      if (existing) {
        await this.remove(spec.name);
        summary.changed.push(spec.name);
      } else {
        summary.added.push(spec.name);
      }
      const entry: ServerEntry = { spec, fingerprint, orgIds, tools: new Map(), unregister: [] };
      this.servers.set(spec.name, entry);
      if (wantRuntime) {
        entry.runtime = this.createRuntime(entry);
        void entry.runtime.connect();
      }
    }
    this.orgWarnings = orgWarnings;
    summary.config_warnings = this.warnings;
    return summary;
  }

  private createRuntime(entry: ServerEntry): McpServerRuntime {
    const spec = entry.spec;
    return new McpServerRuntime(spec, () => this.resolveSecrets(entry.spec, entry.orgIds), {
      requestTimeoutMs: () => this.requestTimeoutSecs(entry.spec) * 1000,
      reconnectMaxDelayMs: this.config.reconnectMaxDelayMs,
      onReject: (server, kind) => this.metrics.rejected(server, kind),
      onConnected: (runtime) => {
        if (this.servers.get(spec.name) !== entry) return;
        this.registerTools(entry, runtime);
        for (const l of this.connectedListeners) {
          try {
            l(runtime);
          } catch (err) {
            this.logger.warn(`MCP connect listener failed: ${(err as Error).message}`);
          }
        }
      },
      logger: this.logger,
    });
  }

  private registerTools(entry: ServerEntry, runtime: McpServerRuntime): void {
    entry.unregister.forEach((u) => u());
    entry.unregister = [];
    entry.tools.clear();
    const server = entry.spec.name;
    for (const tool of runtime.connection.tools) {
      const name = `mcp.${server}.${mcpToolName(tool.name)}`;
      if (name.length > 128 || entry.tools.has(name)) {
        this.logger.warn(
          `MCP server '${server}': tool '${tool.name}' not registered (name too long or clashing as ${name})`,
        );
        continue;
      }
      entry.tools.set(name, tool.name);
      entry.unregister.push(
        this.registry.register({
          name,
          description: `[MCP ${server}] ${tool.description}`.slice(0, 1024),
          inputSchema: tool.inputSchema,
          visibleTo: (orgId) => !entry.orgIds || entry.orgIds.has(orgId),
          execute: (args, ctx) => this.executeForAgent(server, tool.name, args, ctx),
        }),
      );
    }
  }

  private async remove(name: string): Promise<void> {
    const entry = this.servers.get(name);
    if (!entry) return;
    this.servers.delete(name);
    entry.unregister.forEach((u) => u());
    await entry.runtime?.close();
  }

  /** `organizations` slugs → ids; unknown slugs are reported (the server is then visible to the known ones only). */
  private async resolveOrganizations(
    spec: McpServerSpec,
    warnings: McpConfigProblem[],
  ): Promise<Set<string> | null> {
    if (!spec.organizations.length) return null;
    const ids = new Set<string>();
    for (const slug of spec.organizations) {
      const org = await this.orgs.findBySlug(slug);
      if (org) ids.add(org.id);
      else
        warnings.push({
          file: spec.sources[spec.sources.length - 1],
          server: spec.name,
          error: `organization '${slug}' does not exist (yet); reload after creating it`,
        });
    }
    return ids;
  }

  /**
   * `secret:<name>` values of env and headers, resolved through the vault in the
   * server's owner organization: the first of `organizations`, else `default`.
   */
  private async resolveSecrets(spec: McpServerSpec, orgIds: Set<string> | null): Promise<ResolvedSecrets> {
    const refs = [...Object.values(spec.env), ...Object.values(spec.headers)].some((v) =>
      v.startsWith('secret:'),
    );
    if (!refs) return { env: { ...spec.env }, headers: { ...spec.headers } };
    const ownerId = orgIds ? [...orgIds][0] : (await this.orgs.findBySlug('default'))?.id;
    if (!ownerId)
      throw new Error(
        `no organization to resolve secrets in (organizations: ${spec.organizations.join(', ') || 'default'})`,
      );
    const principal = { ...systemPrincipal(ownerId), actor: `mcp:${spec.name}` };
    return RequestContext.run(
      { requestId: `mcp-connect-${spec.name}`, transport: 'system', principal },
      async () => {
        const resolveAll = async (map: Record<string, string>) =>
          Object.fromEntries(
            await Promise.all(
              Object.entries(map).map(async ([k, v]) => [k, await this.vault.resolve(v)] as const),
            ),
          );
        return { env: await resolveAll(spec.env), headers: await resolveAll(spec.headers) };
      },
    );
  }

  /** The raw result of an MCP call, for the REST view. */
  static resultView(result: McpCallResult) {
    return {
      content: result.content,
      is_error: result.isError,
      ...(result.structuredContent !== undefined ? { structured_content: result.structuredContent } : {}),
    };
  }
}
