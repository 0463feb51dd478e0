import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestContext } from '../../common/context/request-context';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { PageQuery } from '../../common/http/pagination';
import { AuditService } from '../auth/services/audit.service';
import { CallMcpToolDto, McpReloadView, McpServersListView, McpToolCallView } from './dto/mcp.dto';
import { McpErrors } from './mcp.errors';
import { serverView } from './mcp-server.view';
import { McpService, ReloadSummary } from './mcp.service';

@ApiTags('mcp')
@Controller('api/mcp')
export class McpController {
  constructor(
    private readonly mcp: McpService,
    private readonly audit: AuditService,
  ) {}

  @Get('servers')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary:
      'MCP servers of your organization: connection, tools, circuit state, in-flight, queued, rate window, counters, last error; plus config errors',
  })
  @ApiOkResponse({ type: McpServersListView })
  list(@Query() query: PageQuery): McpServersListView {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const all = this.mcp
      .visibleServers(RequestContext.organizationId())
      .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
      .map((e) => serverView(e, this.mcp.requestTimeoutSecs(e.spec)));
    const load = this.mcp.configLoad;
    return {
      items: all.slice(offset, offset + limit),
      total: all.length,
      limit,
      offset,
      config_dir: load.dir ?? null,
      config_files: load.files,
      config_errors: load.errors,
      config_warnings: this.mcp.warnings,
    };
  }

  @Post('servers/:name/tools/:tool/call')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({
    summary:
      'Call an MCP tool as an operator, through the same guardrails as agents (429 rate limit, 503 bulkhead/circuit open, 504 timeout, 502 transport failure)',
  })
  @ApiOkResponse({ type: McpToolCallView })
  async call(
    @Param('name') name: string,
    @Param('tool') tool: string,
    @Body() dto: CallMcpToolDto,
  ): Promise<McpToolCallView> {
    const outcome = await this.mcp.callAsOperator(name, tool, dto.arguments, dto.timeout_secs);
    switch (outcome.kind) {
      case 'ok':
      case 'tool_error':
        return {
          server: name,
          tool,
          ...McpService.resultView(outcome.result),
          duration_ms: outcome.durationMs,
        };
      case 'rejected': {
        const r = outcome.rejection;
        if (r.kind === 'rate_limited') throw McpErrors.rateLimited(r.message, r.retryAfterMs);
        if (r.kind === 'bulkhead') throw McpErrors.bulkheadFull(r.message, r.retryAfterMs);
        throw McpErrors.circuitOpen(r.message, r.retryAfterMs);
      }
      case 'failed':
        if (outcome.error.kind === 'timeout')
          throw McpErrors.timeout(`MCP server '${name}' tool '${tool}': ${outcome.error.message}`);
        throw McpErrors.serverError(`MCP server '${name}' tool '${tool}': ${outcome.error.message}`);
    }
  }

  @Post('reload')
  @HttpCode(200)
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary:
      'Re-read mcp.json, mcp.d/*.json and TOOLS_CONFIG_FILE without a restart: removed servers close, new and changed ones connect (every replica)',
  })
  @ApiOkResponse({ type: McpReloadView })
  async reload(): Promise<ReloadSummary> {
    const summary = await this.mcp.reload({ broadcast: true });
    await this.audit.record({
      action: 'mcp.reload',
      target: 'mcp:config',
      details: {
        added: summary.added,
        removed: summary.removed,
        changed: summary.changed,
        errors: summary.config_errors.length,
      },
    });
    return summary;
  }
}
