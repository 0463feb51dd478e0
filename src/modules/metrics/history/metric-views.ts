import { METRIC, TOOL_OUTCOMES } from '../metric-names';
import { groupBy, MetricPoint, SeriesValues, sumSeries } from './metric-point';
import { latencyMs } from './quantile';

type Latency = ReturnType<typeof latencyMs>;

/**
 * The runbook's counters, under the keys the JSON snapshot and each history
 * point use. Built from cumulative values (snapshot) or from deltas (history,
 * summary) alike. Absent metrics read as 0 / empty.
 */
export interface CounterView {
  requests_total: number;
  requests_4xx: number;
  requests_5xx: number;
  request_latency_ms: Latency;
  runs_started: number;
  runs_succeeded: number;
  /** failed + timed_out */
  runs_failed: number;
  runs_timed_out: number;
  runs_aborted: number;
  run_e2e_latency_ms: Latency;
  tool_calls: Record<(typeof TOOL_OUTCOMES)[number], number>;
  mcp_rate_limited_rejections: number;
  mcp_bulkhead_rejections: number;
  mcp_circuit_open_rejections: number;
  webhook_deliveries_accepted: number;
  webhook_rejections: Record<string, number>;
  webhook_deliveries_processed: Record<string, number>;
  scheduler_task_runs: Record<string, number>;
  /** failed + timed_out scheduler runs */
  scheduler_task_failures: number;
  rate_limit_hits: number;
  rate_limit_hits_by_limit: Record<string, number>;
  rate_limit_backend_errors: number;
  auth_failures: number;
  auth_failures_by_reason: Record<string, number>;
  ws_rejected: Record<string, number>;
}

function statusClass(series: SeriesValues | undefined, cls: '4' | '5'): number {
  const byStatus = groupBy(series, 'status');
  return Object.entries(byStatus)
    .filter(([status]) => status.startsWith(cls))
    .reduce((sum, [, n]) => sum + n, 0);
}

export function counterView(p: MetricPoint): CounterView {
  const c = p.counters;
  const runs = groupBy(c[METRIC.runsFinished], 'status');
  const tools = groupBy(c[METRIC.toolCalls], 'outcome');
  const scheduler = groupBy(c[METRIC.schedulerRuns], 'outcome');
  return {
    requests_total: sumSeries(c[METRIC.httpRequests]),
    requests_4xx: statusClass(c[METRIC.httpRequests], '4'),
    requests_5xx: statusClass(c[METRIC.httpRequests], '5'),
    request_latency_ms: latencyMs(p.histograms[METRIC.httpDuration]),
    runs_started: sumSeries(c[METRIC.runsStarted]),
    runs_succeeded: runs.succeeded ?? 0,
    runs_failed: (runs.failed ?? 0) + (runs.timed_out ?? 0),
    runs_timed_out: runs.timed_out ?? 0,
    runs_aborted: runs.aborted ?? 0,
    run_e2e_latency_ms: latencyMs(p.histograms[METRIC.runDuration]),
    tool_calls: Object.fromEntries(TOOL_OUTCOMES.map((o) => [o, tools[o] ?? 0])) as CounterView['tool_calls'],
    mcp_rate_limited_rejections: sumSeries(c[METRIC.mcpRateLimited]),
    mcp_bulkhead_rejections: sumSeries(c[METRIC.mcpBulkhead]),
    mcp_circuit_open_rejections: sumSeries(c[METRIC.mcpCircuitOpen]),
    webhook_deliveries_accepted: sumSeries(c[METRIC.webhookAccepted]),
    webhook_rejections: groupBy(c[METRIC.webhookRejections], 'reason'),
    webhook_deliveries_processed: groupBy(c[METRIC.webhookProcessed], 'status'),
    scheduler_task_runs: scheduler,
    scheduler_task_failures: (scheduler.failed ?? 0) + (scheduler.timed_out ?? 0),
    rate_limit_hits: sumSeries(c[METRIC.rateLimitHits]),
    rate_limit_hits_by_limit: groupBy(c[METRIC.rateLimitHits], 'limit'),
    rate_limit_backend_errors: sumSeries(c[METRIC.rateLimitBackendErrors]),
    auth_failures: sumSeries(c[METRIC.authFailures]),
    auth_failures_by_reason: groupBy(c[METRIC.authFailures], 'reason'),
    ws_rejected: groupBy(c[METRIC.wsRejected], 'reason'),
  };
}

/** The operational gauges (null when nobody reports them). */
export interface GaugeView {
  ws_connections: number | null;
  db_pool: {
    in_use: number | null;
    idle: number | null;
    waiting: number | null;
    max: number | null;
    usage_percent: number | null;
  };
  memory: { rss_bytes: number | null; heap_used_bytes: number | null; usage_percent: number | null };
  event_loop_lag_ms: { mean: number | null; p99: number | null; max: number | null };
  queue_depth: number | null;
  scheduler_dlq_size: number | null;
  scheduler_lag_seconds: number | null;
  otlp_queued_points: number | null;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function gaugeView(gauges: Record<string, SeriesValues>): GaugeView {
  const g = (name: string): number | null => {
    const series = gauges[name];
    if (!series || Object.keys(series).length === 0) return null;
    return Object.values(series).reduce((a, b) => a + b, 0);
  };
  const ms = (name: string) => {
    const v = g(name);
    return v === null ? null : round2(v * 1000);
  };
  const pct = (name: string) => {
    const v = g(name);
    return v === null ? null : round2(v);
  };
  return {
    ws_connections: g(METRIC.wsConnections),
    db_pool: {
      in_use: g(METRIC.dbPoolInUse),
      idle: g(METRIC.dbPoolIdle),
      waiting: g(METRIC.dbPoolWaiting),
      max: g(METRIC.dbPoolMax),
      usage_percent: pct(METRIC.dbPoolUsagePercent),
    },
    memory: {
      rss_bytes: g(METRIC.rss),
      heap_used_bytes: g(METRIC.heapUsed),
      usage_percent: pct(METRIC.memoryUsagePercent),
    },
    event_loop_lag_ms: {
      mean: ms(METRIC.eventLoopLagMean),
      p99: ms(METRIC.eventLoopLagP99),
      max: ms(METRIC.eventLoopLagMax),
    },
    queue_depth: g(METRIC.queueDepth),
    scheduler_dlq_size: g(METRIC.schedulerDlqSize),
    scheduler_lag_seconds: g(METRIC.schedulerLag),
    otlp_queued_points: g(METRIC.otlpQueuedPoints),
  };
}
