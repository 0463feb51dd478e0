import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';

@Injectable()
export class HooksMetrics {
  readonly failures: Counter<'hook' | 'reason'>;
  readonly runs: Counter<'hook' | 'event' | 'action'>;

  constructor(metrics: MetricsRegistry) {
    this.failures = metrics.counter({
      name: 'hook_failures_total',
      help: 'Hooks skipped because they timed out, crashed, could not start or answered garbage, by hook and reason',
      labelNames: ['hook', 'reason'],
    });
    this.runs = metrics.counter({
      name: 'hook_runs_total',
      help: 'Hook answers by hook, event and action (allow, block, modify)',
      labelNames: ['hook', 'event', 'action'],
    });
  }
}
