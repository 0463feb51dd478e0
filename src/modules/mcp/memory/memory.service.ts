import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { HealthContributors } from '../../health/health-contributors';
import type { McpServerRuntime } from '../client/mcp-server-runtime';
import { McpService } from '../mcp.service';
import { FallbackReason, MCP_MEMORY_TOOLS, McpMemoryClient, MemoryPrimaryError } from './mcp-memory-client';
import { fromRow, MemoryBackendName, MemoryItem } from './memory-item';
import { MemoriesRepository } from './memories.repository';

/** The MCP memory server gets at most this long per operation (less when its request timeout is lower), leaving the tool budget room for the fallback. */
export const MEMORY_PRIMARY_TIMEOUT_MS = 10_000;

export interface MemoryBackendHealth {
  primary: MemoryBackendName;
  server: string | null;
  startup_probe_ok: boolean | null;
  consecutive_primary_failures: number;
  total_fallbacks: number;
  last_fallback_reason: FallbackReason | null;
  last_fallback_at: string | null;
  last_fallback_detail: string | null;
}

/**
 * Structured memory (remember / search / update / delete) of a chat. Stored in
 * PostgreSQL; when an MCP server visible to the organization exposes both
 * `memory_query` and `memory_upsert`, it is tried first for each operation
 * and PostgreSQL serves that operation when it fails (timeout, transport,
 * invalid_payload, unsupported_operation, server_error). Availability over
 * consistency: rows written during a fallback are not copied back.
 */
@Injectable()
export class MemoryService implements OnModuleInit {
  private readonly logger = new Logger('Memory');
  private readonly state = {
    server: null as string | null,
    startupProbeOk: null as boolean | null,
    consecutivePrimaryFailures: 0,
    totalFallbacks: 0,
    lastFallbackReason: null as FallbackReason | null,
    lastFallbackAt: null as Date | null,
    lastFallbackDetail: null as string | null,
  };
  private readonly announced = new Set<string>();

  constructor(
    private readonly repo: MemoriesRepository,
    private readonly mcp: McpService,
    private readonly health: HealthContributors,
  ) {}

  onModuleInit(): void {
    this.mcp.onServerConnected((runtime) => void this.onServerConnected(runtime));
    this.health.register('memory_backend', () => this.healthView());
  }

  healthView(): MemoryBackendHealth {
    const s = this.state;
    if (s.server && !this.mcp.hasServer(s.server)) {
      s.server = null; // removed by a reload
      s.startupProbeOk = null;
    }
    return {
      primary: s.server ? 'mcp' : 'postgres',
      server: s.server,
      startup_probe_ok: s.startupProbeOk,
      consecutive_primary_failures: s.consecutivePrimaryFailures,
      total_fallbacks: s.totalFallbacks,
      last_fallback_reason: s.lastFallbackReason,
      last_fallback_at: s.lastFallbackAt?.toISOString() ?? null,
      last_fallback_detail: s.lastFallbackDetail,
    };
  }

  async remember(chatKey: string, content: string, tags: string[]): Promise<MemoryItem> {
    return this.withFallback(
      (c, org) =>
        c.upsert({
          organizationId: org,
          chatId: chatKey,
          operation: 'insert',
          content,
          tags,
        }) as Promise<MemoryItem>,
      async () => fromRow(await this.repo.insert(chatKey, content, tags)),
    );
  }

  async search(
    chatKey: string,
    s: { query?: string; tags?: string[]; limit: number },
  ): Promise<MemoryItem[]> {
    return this.withFallback(
      (c, org) =>
        c.query({
          organizationId: org,
          chatId: chatKey,
          operation: s.query || s.tags?.length ? 'search' : 'list',
          ...s,
        }),
      async () => (await this.repo.search(chatKey, s)).map(fromRow),
    );
  }

  /** A memory written to PostgreSQL (directly or during a fallback) is changed there; any other id goes to the MCP server first. */
  async update(
    chatKey: string,
    id: string,
    patch: { content?: string; tags?: string[] },
  ): Promise<MemoryItem | null> {
    if (await this.inPostgres(chatKey, id)) {
      const row = await this.repo.update(chatKey, id, patch);
      return row ? fromRow(row) : null;
    }
    return this.withFallback(
      (c, org) => c.upsert({ organizationId: org, chatId: chatKey, operation: 'update', id, ...patch }),
      async () => null,
    );
  }

  async delete(chatKey: string, id: string): Promise<boolean> {
    if (await this.inPostgres(chatKey, id)) return this.repo.delete(chatKey, id);
    return this.withFallback(
      (c, org) => c.remove({ organizationId: org, chatId: chatKey, id }),
      async () => false,
    );
  }

  private async inPostgres(chatKey: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
    return !!(await this.repo.find(chatKey, id));
  }

  private client(organizationId: string): McpMemoryClient | undefined {
    const runtime = this.mcp.serverWithTools(organizationId, MCP_MEMORY_TOOLS);
    return runtime
      ? new McpMemoryClient(runtime, (r, tool, args) =>
          this.mcp.callInternal(r, tool, args, MEMORY_PRIMARY_TIMEOUT_MS),
        )
      : undefined;
  }

  private async withFallback<T>(
    primary: (c: McpMemoryClient, org: string) => Promise<T>,
    fallback: () => Promise<T>,
  ): Promise<T> {
    const org = RequestContext.organizationId();
    const client = this.client(org);
    if (!client) return fallback();
    try {
      const value = await primary(client, org);
      this.state.consecutivePrimaryFailures = 0;
      return value;
    } catch (err) {
      const reason: FallbackReason = err instanceof MemoryPrimaryError ? err.reason : 'invalid_payload';
      this.state.consecutivePrimaryFailures++;
      this.state.totalFallbacks++;
      this.state.lastFallbackReason = reason;
      this.state.lastFallbackAt = new Date();
      this.state.lastFallbackDetail = (err as Error).message.slice(0, 200);
      this.logger.warn(
        `memory operation fell back to PostgreSQL (${reason}) from MCP server '${client.server}': ${this.state.lastFallbackDetail}`,
      );
      return fallback();
    }
  }

  private async onServerConnected(runtime: McpServerRuntime): Promise<void> {
    const names = new Set(runtime.connection.tools.map((t) => t.name));
    if (!MCP_MEMORY_TOOLS.every((t) => names.has(t))) return;
    // The first such server by name is primary; one that was removed by a reload gives way.
    const current = this.state.server;
    if (current && current !== runtime.name && this.mcp.hasServer(current) && current < runtime.name) return;
    this.state.server = runtime.name;
    this.state.startupProbeOk = null;
    if (!this.announced.has(runtime.name)) {
      this.announced.add(runtime.name);
      this.logger.log(`Memory MCP backend enabled via server '${runtime.name}'`);
    }
    // Startup probe: memory_query(list) must answer a valid payload.
    const client = new McpMemoryClient(runtime, (r, tool, args) =>
      this.mcp.callInternal(r, tool, args, MEMORY_PRIMARY_TIMEOUT_MS),
    );
    try {
      await client.query({
        organizationId: '00000000-0000-0000-0000-000000000000',
        chatId: '__clawcontrol_probe__',
        operation: 'list',
        limit: 1,
      });
      this.state.startupProbeOk = true;
    } catch (err) {
      this.state.startupProbeOk = false;
      this.logger.warn(
        `memory MCP startup probe failed on '${runtime.name}' (${(err as MemoryPrimaryError).reason ?? 'invalid_payload'}): ${(err as Error).message}; PostgreSQL serves operations it cannot`,
      );
    }
  }
}
