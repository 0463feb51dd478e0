import { IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { CrossFieldCheck } from '../../config/config-loader';
import { EnvVar } from '../../config/env-var.decorator';

const PAIR = /^\s*\d+(\.\d+)?\s*,\s*\d+(\.\d+)?\s*$/;
const PAIR_MSG = { message: 'must be "<warning>,<critical>", e.g. 80,95' };

/** A warning/critical pair parsed from "<warning>,<critical>". */
export interface ThresholdPair {
  warning: number;
  critical: number;
}

export function parsePair(spec: string): ThresholdPair {
  const [warning, critical] = spec.split(',').map((s) => Number(s.trim()));
  return { warning, critical };
}

export class MetricsConfig implements CrossFieldCheck {
  @EnvVar({
    name: 'METRICS_TOKEN',
    doc: 'When set, GET /metrics needs "Authorization: Bearer <token>" (compared in constant time)',
    secret: true,
  })
  @IsOptional()
  @MinLength(16)
  token?: string;

  @EnvVar({
    name: 'METRICS_HISTORY_INTERVAL_S',
    doc: 'Each replica persists a metrics_history point this often',
    default: '60',
  })
  @IsInt()
  @Min(1)
  @Max(3600)
  historyIntervalS: number;

  @EnvVar({
    name: 'METRICS_HISTORY_RETENTION_DAYS',
    doc: 'metrics_history rows older than this are purged',
    default: '30',
  })
  @IsInt()
  @Min(1)
  @Max(3650)
  historyRetentionDays: number;

  @EnvVar({
    name: 'METRICS_REPLICA_ID',
    doc: 'Name of this replica in metrics_history (default: hostname plus a random suffix per process)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { message: 'must be 1-100 characters of A-Z a-z 0-9 _ . : -' })
  replicaId?: string;

  @EnvVar({
    name: 'METRICS_SLO_WINDOW_S',
    doc: 'Window of the request, latency and tool SLOs in /api/metrics/summary',
    default: '3600',
  })
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
  sloWindowS: number;

  @EnvVar({
    name: 'METRICS_THRESHOLD_WINDOW_S',
    doc: 'Window of the warning/critical thresholds (5xx rate, p99, rate-limit hits)',
    default: '300',
  })
  @IsInt()
  @Min(1)
  @Max(86_400)
  thresholdWindowS: number;

  @EnvVar({ name: 'SLO_REQUEST_SUCCESS_BURN', doc: 'request_success_rate burns below this', default: '0.99' })
  @IsNumber()
  @Min(0)
  @Max(1)
  requestSuccessBurn: number;

  @EnvVar({
    name: 'SLO_E2E_LATENCY_P95_BURN_MS',
    doc: 'e2e_latency_p95_ms burns above this',
    default: '10000',
  })
  @IsNumber()
  @Min(1)
  e2eLatencyP95BurnMs: number;

  @EnvVar({
    name: 'SLO_TOOL_RELIABILITY_BURN',
    doc: 'tool_reliability burns below this (policy blocks excluded)',
    default: '0.97',
  })
  @IsNumber()
  @Min(0)
  @Max(1)
  toolReliabilityBurn: number;

  @EnvVar({
    name: 'SLO_SCHEDULER_RECOVERABILITY_BURN',
    doc: 'scheduler_recoverability_7d burns below this',
    default: '0.999',
  })
  @IsNumber()
  @Min(0)
  @Max(1)
  schedulerRecoverabilityBurn: number;

  @EnvVar({
    name: 'METRICS_THRESHOLD_5XX_PERCENT',
    doc: '5xx share of requests, warning,critical (%)',
    default: '1,5',
  })
  @Matches(PAIR, PAIR_MSG)
  error5xxPercent: string;

  @EnvVar({
    name: 'METRICS_THRESHOLD_P99_MS',
    doc: 'p99 request latency, warning,critical (ms)',
    default: '500,2000',
  })
  @Matches(PAIR, PAIR_MSG)
  p99Ms: string;

  @EnvVar({
    name: 'METRICS_THRESHOLD_MEMORY_PERCENT',
    doc: 'memory of the container limit (else V8 heap limit), warning,critical (%)',
    default: '80,95',
  })
  @Matches(PAIR, PAIR_MSG)
  memoryPercent: string;

  @EnvVar({
    name: 'METRICS_THRESHOLD_DB_CONNECTIONS_PERCENT',
    doc: 'DB connections in use of the pool, warning,critical (%)',
    default: '80,95',
  })
  @Matches(PAIR, PAIR_MSG)
  dbConnectionsPercent: string;

  @EnvVar({
    name: 'METRICS_THRESHOLD_QUEUE_DEPTH',
    doc: 'queued work items (sum of queue-depth sources), warning,critical',
    default: '1000,10000',
  })
  @Matches(PAIR, PAIR_MSG)
  queueDepth: string;

  @EnvVar({
    name: 'METRICS_THRESHOLD_RATE_LIMIT_PER_MIN',
    doc: 'rate-limit hits per minute, warning,critical',
    default: '100,1000',
  })
  @Matches(PAIR, PAIR_MSG)
  rateLimitPerMin: string;

  @EnvVar({
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    doc: 'OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); metrics go to <endpoint>/v1/metrics. Unset = no OTLP export',
  })
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http:// or https:// URL' })
  otlpEndpoint?: string;

  @EnvVar({
    name: 'OTLP_QUEUE_CAPACITY',
    doc: 'Data points the OTLP export queue holds; the oldest are dropped (and counted) beyond it',
    default: '20000',
  })
  @IsInt()
  @Min(1)
  otlpQueueCapacity: number;

  @EnvVar({
    name: 'OTLP_EXPORT_INTERVAL_MS',
    doc: 'How often a snapshot of the registry is queued for OTLP export',
    default: '15000',
  })
  @IsInt()
  @Min(50)
  otlpExportIntervalMs: number;

  @EnvVar({
    name: 'OTLP_TIMEOUT_MS',
    doc: 'Give up one OTLP export request after this long',
    default: '10000',
  })
  @IsInt()
  @Min(50)
  otlpTimeoutMs: number;

  @EnvVar({
    name: 'OTLP_RETRY_INITIAL_MS',
    doc: 'First retry delay after a failed OTLP export (doubles up to OTLP_RETRY_MAX_MS)',
    default: '1000',
  })
  @IsInt()
  @Min(10)
  otlpRetryInitialMs: number;

  @EnvVar({ name: 'OTLP_RETRY_MAX_MS', doc: 'Longest delay between OTLP export retries', default: '30000' })
  @IsInt()
  @Min(10)
  otlpRetryMaxMs: number;

  @EnvVar({
    name: 'OTEL_SERVICE_NAME',
    doc: 'service.name resource attribute of exported metrics',
    default: 'clawcontrol',
  })
  @IsString()
  otelServiceName: string;

  crossFieldProblems(): string[] {
    const problems: string[] = [];
    const pairs: [string, string][] = [
      ['METRICS_THRESHOLD_5XX_PERCENT', this.error5xxPercent],
      ['METRICS_THRESHOLD_P99_MS', this.p99Ms],
      ['METRICS_THRESHOLD_MEMORY_PERCENT', this.memoryPercent],
      ['METRICS_THRESHOLD_DB_CONNECTIONS_PERCENT', this.dbConnectionsPercent],
      ['METRICS_THRESHOLD_QUEUE_DEPTH', this.queueDepth],
      ['METRICS_THRESHOLD_RATE_LIMIT_PER_MIN', this.rateLimitPerMin],
    ];
    for (const [name, spec] of pairs) {
      if (typeof spec !== 'string' || !PAIR.test(spec)) continue;
      const { warning, critical } = parsePair(spec);
      if (warning > critical)
        problems.push(
          `${name}: the warning level (${warning}) must not exceed the critical level (${critical})`,
        );
    }
    if (this.otlpRetryInitialMs > this.otlpRetryMaxMs) {
      problems.push('OTLP_RETRY_INITIAL_MS: must not exceed OTLP_RETRY_MAX_MS');
    }
    return problems;
  }

  threshold(
    which:
      | 'error5xxPercent'
      | 'p99Ms'
      | 'memoryPercent'
      | 'dbConnectionsPercent'
      | 'queueDepth'
      | 'rateLimitPerMin',
  ): ThresholdPair {
    return parsePair(this[which]);
  }
}
