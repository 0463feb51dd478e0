import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';

/** The runtime's Prometheus metrics (read by the metrics module through the shared registry). */
@Injectable()
export class RunMetrics {
  readonly started;
  readonly finished;
  readonly duration;
  readonly active;
  readonly toolCalls;
  /** tool_calls_total{outcome}: the metrics module's tool_reliability reads it (policy_blocked excluded). */
  readonly toolCallOutcomes;

  constructor(metrics: MetricsRegistry) {
    this.started = metrics.counter({
      name: 'runs_started_total',
      help: 'Runs that began executing, by source',
      labelNames: ['source'],
    });
    this.finished = metrics.counter({
      name: 'runs_finished_total',
      help: 'Runs that ended, by status',
      labelNames: ['status'],
    });
    this.duration = metrics.histogram({
      name: 'run_duration_seconds',
      help: 'Run execution time (start to terminal state), by status',
      labelNames: ['status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    });
    this.active = metrics.gauge({ name: 'runs_active', help: 'Runs executing on this replica' });
    this.toolCalls = metrics.counter({
      name: 'run_tool_calls_total',
      help: 'Tool calls made by runs, by outcome',
      labelNames: ['outcome'],
    });
    this.toolCallOutcomes = metrics.counter({
      name: 'tool_calls_total',
      help: 'Tool calls made by runs, by outcome: ok, error, timeout, rejected (guardrails), policy_blocked',
      labelNames: ['outcome'],
    });
  }
}
