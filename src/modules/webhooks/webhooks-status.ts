import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { SelfCheckService, SelfCheckWarning } from '../auth/self-check/self-check.service';
import { HealthContributors } from '../health/health-contributors';
import { ConsumerSources } from '../metrics/sources/consumer-sources';
import { QueueDepthSources } from '../metrics/sources/queue-depth-sources';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryRetention } from './processing/delivery-retention.service';
import { DeliveryWorker } from './processing/delivery-worker.service';
import { WebhooksService } from './webhooks.service';

/**
 * How the webhook module reports itself: `webhooks` in /api/health (queue
 * depth, consumers, cleanup), the metrics module's queue/consumer sources,
 * and a self-check warning for webhooks that accept unsigned requests.
 */
@Injectable()
export class WebhooksStatus implements OnModuleInit {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly worker: DeliveryWorker,
    private readonly retention: DeliveryRetention,
    private readonly webhooks: WebhooksService,
    private readonly health: HealthContributors,
    private readonly queues: QueueDepthSources,
    private readonly consumers: ConsumerSources,
    @Optional() private readonly selfCheck?: SelfCheckService,
  ) {}

  onModuleInit(): void {
    this.health.register('webhooks', () => this.healthFields());
    this.queues.register('webhook_deliveries', async () => {
      const depth = await this.deliveries.queueDepth();
      return depth.accepted + depth.processing;
    });
    this.consumers.register('webhook_worker', () => {
      const s = this.worker.status();
      return {
        running: s.running && !s.paused,
        paused: s.paused,
        concurrency: s.concurrency,
        in_flight: s.inFlight,
        last_run_at: s.lastClaimAt,
        last_error: s.lastError,
      };
    });
    this.selfCheck?.register({ name: 'webhooks.secrets', run: () => this.unsignedWebhooks() });
  }

  private async healthFields(): Promise<Record<string, unknown>> {
    const depth = await this.deliveries.queueDepth();
    const worker = this.worker.status();
    return {
      queueDepth: depth.accepted + depth.processing,
      accepted: depth.accepted,
      processing: depth.processing,
      consumers: worker.running ? worker.concurrency : 0,
      inFlight: worker.inFlight,
      paused: worker.paused,
      lastClaimAt: worker.lastClaimAt,
      lastError: worker.lastError,
      cleanup: this.retention.status(),
    };
  }

  async unsignedWebhooks(): Promise<SelfCheckWarning[]> {
    const unsigned = await this.webhooks.enabledWithoutSecret();
    if (!unsigned.length) return [];
    const names = unsigned.slice(0, 10).map((w) => `'${w.name}'`).join(', ');
    return [
      {
        code: 'WEBHOOK_WITHOUT_SECRET',
        severity: 'medium',
        message: `${unsigned.length} enabled webhook(s) accept unsigned requests from anyone who knows the URL: ${names}${unsigned.length > 10 ? ', …' : ''}`,
        fix: 'set a secret (PATCH /api/webhooks/:id {"secret": "..."}) and configure the sender to sign with X-Hub-Signature-256, or disable the webhook',
      },
    ];
  }
}
