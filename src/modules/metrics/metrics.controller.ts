import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { HistoryQuery } from './dto/history-query.dto';
import { HistoryPage, MetricsHistoryService } from './history/metrics-history.service';
import { MetricsSnapshot, MetricsSnapshotService } from './metrics-snapshot.service';
import { PlatformOrganization } from './platform-organization';
import { MetricsSummary, MetricsSummaryService } from './slo/metrics-summary.service';

@ApiTags('metrics')
@Controller('api/metrics')
export class MetricsController {
  constructor(
    private readonly snapshots: MetricsSnapshotService,
    private readonly history: MetricsHistoryService,
    private readonly summaries: MetricsSummaryService,
    private readonly platform: PlatformOrganization,
  ) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({
    summary:
      "Live snapshot of this replica's counters (since it started) and gauges, under the runbook's keys",
    description: 'Platform organization only (metrics are cluster-wide).',
  })
  @ApiOkResponse({
    description:
      'requests, runs, tool calls, MCP rejections, webhooks, scheduler, rate limits, auth failures, DB pool, WebSockets, memory, event-loop lag',
  })
  async snapshot(): Promise<MetricsSnapshot> {
    await this.platform.assertCallerIsPlatform();
    return this.snapshots.snapshot();
  }

  @Get('history')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'Per-interval deltas from metrics_history, summed over replicas, oldest first',
    description: 'An empty list before any point was persisted. Counter resets (restarts) are handled.',
  })
  async getHistory(@Query() query: HistoryQuery): Promise<HistoryPage> {
    await this.platform.assertCallerIsPlatform();
    return this.history.history(query.minutes ?? 60, query.limit ?? 1000);
  }

  @Get('summary')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary:
      'SLOs (ok | burning | no_data) and warning/critical thresholds, computed from history of all replicas',
  })
  async summary(): Promise<MetricsSummary> {
    await this.platform.assertCallerIsPlatform();
    return this.summaries.summary();
  }
}
