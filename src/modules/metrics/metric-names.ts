/**
 * The metric names every module records into the one prom-client registry
 * (MetricsRegistry). The metrics module reads them BY NAME for the JSON
 * snapshot, history and SLOs, and tolerates absent ones (no_data).
 *
 * Prometheus counters end in `_total`; the JSON snapshot keys (e.g.
 * `mcp_rate_limited_rejections`) are the runbook's names without the suffix.
 * Label values must be bounded (route templates, enum-like reasons), never ids.
 * See docs/metrics.md for the full table.
 */
export const METRIC = {
  // HTTP (foundation, src/common/http/http-metrics.ts)
  httpRequests: 'http_requests_total', // {method, route, status}
  httpDuration: 'http_request_duration_seconds', // histogram {method, route}
  rateLimitHits: 'rate_limit_hits_total', // {limit}
  rateLimitBackendErrors: 'rate_limit_backend_errors_total',
  // auth
  authFailures: 'auth_failures_total', // {reason}
  // runtime
  runsStarted: 'runs_started_total', // {source}
  runsFinished: 'runs_finished_total', // {status: succeeded|failed|aborted|timed_out}
  runDuration: 'run_duration_seconds', // histogram, end-to-end (start → terminal state); use RUN_DURATION_BUCKETS
  toolCalls: 'tool_calls_total', // {outcome: ok|error|timeout|rejected|policy_blocked}
  // gateway (WebSocket bridge)
  wsConnections: 'ws_connections', // gauge
  wsRejected: 'ws_rejected_total', // {reason}
  // MCP guardrails (label: server)
  mcpRateLimited: 'mcp_rate_limited_rejections_total',
  mcpBulkhead: 'mcp_bulkhead_rejections_total',
  mcpCircuitOpen: 'mcp_circuit_open_rejections_total',
  // webhooks
  webhookAccepted: 'webhook_deliveries_accepted_total',
  webhookRejections: 'webhook_rejections_total', // {reason: signature_invalid|payload_too_large|rate_limited|disabled|not_found|...}
  webhookProcessed: 'webhook_deliveries_processed_total', // {status: succeeded|failed|dead}
  // scheduler
  schedulerRuns: 'scheduler_task_runs_total', // {outcome: succeeded|failed|timed_out|skipped}; failed + timed_out are failures
  schedulerDlqSize: 'scheduler_dlq_size', // gauge (cluster-wide, from the DB)
  schedulerLag: 'scheduler_lag_seconds', // gauge: how late the oldest due task is
  // this module's collectors
  dbPoolInUse: 'db_pool_connections_in_use',
  dbPoolIdle: 'db_pool_connections_idle',
  dbPoolWaiting: 'db_pool_waiting_clients',
  dbPoolMax: 'db_pool_max_connections',
  dbPoolUsagePercent: 'db_pool_usage_percent', // in_use / max × 100
  memoryUsagePercent: 'memory_usage_percent', // gauge: of the container limit when known, else of the V8 heap limit
  memoryLimitBytes: 'memory_limit_bytes', // gauge {source: cgroup|heap}
  queueDepth: 'queue_depth', // gauge {queue}, from QueueDepthSources
  otlpDroppedPoints: 'otlp_dropped_points_total',
  otlpQueuedPoints: 'otlp_queued_points',
  otlpExportFailures: 'otlp_export_failures_total',
  // prom-client default metrics read by the snapshot
  rss: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
  eventLoopLagMean: 'nodejs_eventloop_lag_mean_seconds',
  eventLoopLagMax: 'nodejs_eventloop_lag_max_seconds',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Buckets for run_duration_seconds: they must reach well past the 10 s e2e latency SLO. */
export const RUN_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300, 600];

/** tool_calls_total outcomes; policy_blocked is excluded from tool reliability. */
export const TOOL_OUTCOMES = ['ok', 'error', 'timeout', 'rejected', 'policy_blocked'] as const;

/** runs_finished_total statuses (the run.finished event's status). */
export const RUN_STATUSES = ['succeeded', 'failed', 'aborted', 'timed_out'] as const;

/**
 * How a gauge of several replicas adds up in history and the summary: per-replica
 * resources are summed; cluster-wide values every replica reports alike (read
 * from the database) and ratios take the maximum.
 */
export const GAUGE_AGGREGATION: Record<string, 'sum' | 'max'> = {
  [METRIC.wsConnections]: 'sum',
  [METRIC.dbPoolInUse]: 'sum',
  [METRIC.dbPoolIdle]: 'sum',
  [METRIC.dbPoolWaiting]: 'sum',
  [METRIC.dbPoolMax]: 'sum',
  [METRIC.rss]: 'sum',
  [METRIC.heapUsed]: 'sum',
  [METRIC.otlpQueuedPoints]: 'sum',
  [METRIC.memoryUsagePercent]: 'max',
  [METRIC.dbPoolUsagePercent]: 'max',
  [METRIC.eventLoopLagP99]: 'max',
  [METRIC.eventLoopLagMean]: 'max',
  [METRIC.eventLoopLagMax]: 'max',
  [METRIC.schedulerDlqSize]: 'max',
  [METRIC.schedulerLag]: 'max',
  [METRIC.queueDepth]: 'max',
};

/** Gauges persisted in metrics_history (counters and histograms are persisted whole). */
export const HISTORY_GAUGES = Object.keys(GAUGE_AGGREGATION);

/** Default prom-client metrics (process_*, nodejs_*) are not persisted except the gauges above. */
export function isProcessDefaultMetric(name: string): boolean {
  return name.startsWith('process_') || name.startsWith('nodejs_');
}
