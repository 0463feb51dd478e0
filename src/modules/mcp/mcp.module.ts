import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ToolsSettingsService } from './config/tools-settings.service';
import { McpController } from './mcp.controller';
import { McpMetrics } from './mcp.metrics';
import { McpSelfChecks } from './mcp-self-checks';
import { McpService } from './mcp.service';
import { Memory } from './memory/entities/memory.entity';
import { MemoriesRepository } from './memory/memories.repository';
import { MemoryService } from './memory/memory.service';
import { MemoryTools } from './memory/memory-tools';
import { FeedSyncService } from './tools/web-fetch/feed-sync.service';
import { WebFetchTool } from './tools/web-fetch/web-fetch.tool';

/**
 * MCP servers and the agent tools around them: connections through the MCP
 * SDK with per-server guardrails (rate window → bulkhead → circuit breaker →
 * timeout), tool timeouts, the built-in web_fetch and structured-memory tools,
 * and the MCP-first memory backend with PostgreSQL fallback.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Memory])],
  controllers: [McpController],
  providers: [
    ToolsSettingsService,
    McpMetrics,
    McpService,
    McpSelfChecks,
    FeedSyncService,
    WebFetchTool,
    MemoriesRepository,
    MemoryService,
    MemoryTools,
  ],
  exports: [McpService, ToolsSettingsService, MemoryService],
})
export class McpModule {}
