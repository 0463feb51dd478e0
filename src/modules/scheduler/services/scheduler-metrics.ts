import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '../../../common/metrics/metrics-registry';

/** Outcomes of scheduled runs: failed and timed_out are failures; interrupted = reclaimed after the runner died. */
export type RunOutcomeLabel = 'succeeded' | 'failed' | 'timed_out' | 'interrupted';

/** The scheduler's Prometheus metrics (names agreed in src/modules/metrics/metric-names.ts). */
@Injectable()
export class SchedulerMetrics {
  readonly runs;
  readonly replays;
  readonly claims;
  readonly dlqSize;
  readonly lag;
  readonly cleanedUp;
  readonly cleanupFailures;

  constructor(registry: MetricsRegistry) {
    this.runs = registry.counter({
      name: 'scheduler_task_runs_total',
      help: 'Scheduled task runs by outcome (succeeded, failed, timed_out, interrupted)',
      labelNames: ['outcome'],
    });
    this.replays = registry.counter({
      name: 'scheduler_replays_total',
      help: 'DLQ entries replayed, by result (queued, skipped) and trigger (operator, tool, auto)',
      labelNames: ['result', 'trigger'],
    });
    this.claims = registry.counter({
      name: 'scheduler_claims_total',
      help: 'Due tasks claimed by this replica (kind: due, reclaimed after an expired lease)',
      labelNames: ['kind'],
    });
    this.dlqSize = registry.gauge({ name: 'scheduler_dlq_size', help: 'Pending DLQ entries, cluster-wide' });
    this.lag = registry.gauge({ name: 'scheduler_lag_seconds', help: 'How late the oldest due, unclaimed task is (now - next_run)' });
    this.cleanedUp = registry.counter({
      name: 'cleanup_deleted_total',
      help: 'Rows deleted by cleanup jobs, by job',
      labelNames: ['job'],
    });
    this.cleanupFailures = registry.counter({
      name: 'cleanup_failures_total',
      help: 'Cleanup job runs that failed, by job',
      labelNames: ['job'],
    });
  }
}
