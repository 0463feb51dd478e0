import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesService } from './deliveries.service';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { Webhook } from './entities/webhook.entity';
import { DeliveryInserter } from './ingest/delivery-inserter';
import { IngestProblemFilter } from './ingest/ingest-problem.filter';
import { IngestTargets } from './ingest/ingest-targets';
import { WebhookIngestController } from './ingest/webhook-ingest.controller';
import { WebhookIngestService } from './ingest/webhook-ingest.service';
import { DeliveryRetention } from './processing/delivery-retention.service';
import { DeliveryWorker } from './processing/delivery-worker.service';
import { WebhookSecrets } from './webhook-secrets';
import { WebhooksController } from './webhooks.controller';
import { WebhooksMetrics } from './webhooks.metrics';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';
import { WebhooksStatus } from './webhooks-status';

/**
 * Webhooks: definitions (REST), the public signed ingest route, and the
 * durable delivery queue that turns each delivery into a run of a session.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Webhook, WebhookDelivery])],
  controllers: [WebhookIngestController, WebhooksController],
  providers: [
    WebhooksRepository,
    DeliveriesRepository,
    WebhookSecrets,
    WebhooksMetrics,
    IngestTargets,
    IngestProblemFilter,
    DeliveryInserter,
    WebhookIngestService,
    WebhooksService,
    DeliveriesService,
    DeliveryWorker,
    DeliveryRetention,
    WebhooksStatus,
  ],
  exports: [WebhooksService, DeliveriesService, DeliveryRetention],
})
export class WebhooksModule {}
