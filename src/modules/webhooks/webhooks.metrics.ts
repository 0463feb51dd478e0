import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';
import { METRIC } from '../metrics/metric-names';

/** Why ingest refused a request (label `reason` of webhook_rejections_total). */
export type RejectionReason = 'rate' | 'unknown' | 'locked' | 'disabled' | 'size' | 'signature' | 'invalid' | 'unavailable';

/** Counters of the webhook module (names from src/modules/metrics/metric-names.ts). */
@Injectable()
export class WebhooksMetrics {
  readonly accepted: Counter<string>;
  readonly rejections: Counter<'reason'>;
  readonly processed: Counter<'status'>;
  readonly attemptFailures: Counter<string>;

  constructor(registry: MetricsRegistry) {
    this.accepted = registry.counter({
      name: METRIC.webhookAccepted,
      help: 'Webhook deliveries committed and answered 202 (idempotent repeats not counted)',
    });
    this.rejections = registry.counter({
      name: METRIC.webhookRejections,
      help: 'Webhook ingest requests refused, by reason: rate|unknown|locked|disabled|size|signature|invalid|unavailable',
      labelNames: ['reason'],
    });
    this.processed = registry.counter({
      name: METRIC.webhookProcessed,
      help: 'Webhook deliveries finished by the queue: delivered (handed to the session as a run) or failed (attempts exhausted)',
      labelNames: ['status'],
    });
    this.attemptFailures = registry.counter({
      name: 'webhook_delivery_attempt_failures_total',
      help: 'Attempts to turn a delivery into a run that failed (each is retried until WEBHOOK_MAX_ATTEMPTS)',
    });
  }

  reject(reason: RejectionReason): void {
    this.rejections.inc({ reason });
  }
}
