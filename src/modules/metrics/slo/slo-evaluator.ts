import { GaugeView, CounterView } from '../history/metric-views';
import { MetricsConfig, ThresholdPair } from '../metrics.config';
import { SloReading } from '../sources/slo-sources';

export type SloStatus = 'ok' | 'burning' | 'no_data';
export type ThresholdState = 'ok' | 'warning' | 'critical' | 'no_data';

export interface SloResult {
  name: string;
  /** What the service aims for. */
  target: number;
  /** The alert fires when the value crosses this (see `burns_when`). */
  burn_threshold: number;
  burns_when: 'below' | 'above';
  value: number | null;
  window: string;
  status: SloStatus;
}

export interface ThresholdResult {
  name: string;
  unit: string;
  value: number | null;
  warning: number;
  critical: number;
  window: string;
  state: ThresholdState;
}

/** The data an evaluation reads: counter deltas over the two windows and current gauges. */
export interface EvaluationInput {
  slo: CounterView;
  sloWindowS: number;
  threshold: CounterView;
  thresholdWindowS: number;
  /** Seconds of data actually behind `threshold` (rates are per minute of that, at least one minute). */
  thresholdCoveredS: number;
  gauges: GaugeView;
  external: Record<string, SloReading | null>;
}

export const SLO_TARGETS = {
  request_success_rate: 0.999,
  e2e_latency_p95_ms: 5000,
  tool_reliability: 0.99,
  scheduler_recoverability_7d: 0.9999,
} as const;

/** '3600' → '1h', '300' → '5m', '90' → '90s', '604800' → '7d'. */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function slo(
  name: keyof typeof SLO_TARGETS,
  burn: number,
  burnsWhen: 'below' | 'above',
  value: number | null,
  window: string,
): SloResult {
  const burning = value !== null && (burnsWhen === 'below' ? value < burn : value > burn);
  return {
    name,
    target: SLO_TARGETS[name],
    burn_threshold: burn,
    burns_when: burnsWhen,
    value,
    window,
    status: value === null ? 'no_data' : burning ? 'burning' : 'ok',
  };
}

export function evaluateSlos(input: EvaluationInput, config: MetricsConfig): Record<string, SloResult> {
  const window = formatWindow(input.sloWindowS);
  const v = input.slo;
  const success = v.requests_total > 0 ? round(1 - v.requests_5xx / v.requests_total, 6) : null;
  const t = v.tool_calls;
  const considered = t.ok + t.error + t.timeout + t.rejected; // policy blocks are decisions, not failures
  const reliability = considered > 0 ? round(t.ok / considered, 6) : null;
  const scheduler = input.external.scheduler_recoverability_7d ?? null;
  return {
    request_success_rate: slo('request_success_rate', config.requestSuccessBurn, 'below', success, window),
    e2e_latency_p95_ms: slo(
      'e2e_latency_p95_ms',
      config.e2eLatencyP95BurnMs,
      'above',
      v.run_e2e_latency_ms.p95,
      window,
    ),
    tool_reliability: slo('tool_reliability', config.toolReliabilityBurn, 'below', reliability, window),
    scheduler_recoverability_7d: slo(
      'scheduler_recoverability_7d',
      config.schedulerRecoverabilityBurn,
      'below',
      typeof scheduler?.value === 'number' && Number.isFinite(scheduler.value) ? scheduler.value : null,
      scheduler?.window ?? '7d',
    ),
  };
}

function threshold(
  name: string,
  unit: string,
  value: number | null,
  pair: ThresholdPair,
  window: string,
): ThresholdResult {
  const state: ThresholdState =
    value === null ? 'no_data' : value > pair.critical ? 'critical' : value > pair.warning ? 'warning' : 'ok';
  return {
    name,
    unit,
    value: value === null ? null : round(value, 2),
    warning: pair.warning,
    critical: pair.critical,
    window,
    state,
  };
}

export function evaluateThresholds(
  input: EvaluationInput,
  config: MetricsConfig,
): Record<string, ThresholdResult> {
  const window = formatWindow(input.thresholdWindowS);
  const v = input.threshold;
  const g = input.gauges;
  const minutes = Math.max(60, input.thresholdCoveredS) / 60;
  const hasData = input.thresholdCoveredS > 0;
  return {
    error_rate_5xx: threshold(
      'error_rate_5xx',
      'percent',
      v.requests_total > 0 ? (v.requests_5xx / v.requests_total) * 100 : null,
      config.threshold('error5xxPercent'),
      window,
    ),
    latency_p99: threshold('latency_p99', 'ms', v.request_latency_ms.p99, config.threshold('p99Ms'), window),
    memory_usage: threshold(
      'memory_usage',
      'percent',
      g.memory.usage_percent,
      config.threshold('memoryPercent'),
      'latest',
    ),
    db_connections: threshold(
      'db_connections',
      'percent',
      g.db_pool.usage_percent,
      config.threshold('dbConnectionsPercent'),
      'latest',
    ),
    queue_depth: threshold('queue_depth', 'items', g.queue_depth, config.threshold('queueDepth'), 'latest'),
    rate_limit_hits: threshold(
      'rate_limit_hits',
      'per_minute',
      hasData ? v.rate_limit_hits / minutes : null,
      config.threshold('rateLimitPerMin'),
      window,
    ),
  };
}
