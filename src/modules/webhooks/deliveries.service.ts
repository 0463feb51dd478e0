import { Injectable } from '@nestjs/common';
import { AuditService } from '../auth/services/audit.service';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryDetailView, DeliveryQuery, DeliveryView } from './dto/delivery.dto';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { DeliveryWorker } from './processing/delivery-worker.service';
import { WebhookErrors } from './webhooks.errors';
import { WebhooksService } from './webhooks.service';

export function deliveryView(d: WebhookDelivery): DeliveryView {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    status: d.status,
    attempts: d.attempts,
    idempotency_key: d.idempotencyKey,
    error: d.lastError,
    run_id: d.runId,
    run_status: d.runStatus,
    payload_bytes: d.payloadBytes,
    source_ip: d.sourceIp,
    redelivery_of: d.redeliveryOf,
    received_at: d.receivedAt.toISOString(),
    next_attempt_at: d.status === 'accepted' ? d.nextAttemptAt.toISOString() : null,
    processed_at: d.processedAt?.toISOString() ?? null,
  };
}

function detailView(d: WebhookDelivery): DeliveryDetailView {
  const text = d.payload.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(d.payload);
  return {
    ...deliveryView(d),
    headers: d.headers,
    payload_encoding: isText ? 'utf8' : 'base64',
    payload: isText ? text : d.payload.toString('base64'),
  };
}

/** Delivery history of a webhook of the current organization, and redelivery. */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly repo: DeliveriesRepository,
    private readonly worker: DeliveryWorker,
    private readonly audit: AuditService,
  ) {}

  async list(webhookId: string, query: DeliveryQuery): Promise<[DeliveryView[], number]> {
    await this.webhooks.find(webhookId);
    const [rows, total] = await this.repo.list(
      webhookId,
      {
        status: query.status,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      },
      query.limit ?? 50,
      query.offset ?? 0,
    );
    return [rows.map(deliveryView), total];
  }

  async get(webhookId: string, deliveryId: string): Promise<DeliveryDetailView> {
    return detailView(await this.find(webhookId, deliveryId));
  }

  /**
   * Queues a copy of a finished delivery (same headers and payload, a new id,
   * so a new run): for a failed delivery after fixing its cause, or to replay
   * a delivered one. A delivery still queued or processing cannot be repeated.
   */
  async redeliver(webhookId: string, deliveryId: string): Promise<{ delivery_id: string; redelivery_of: string }> {
    const original = await this.find(webhookId, deliveryId);
    if (original.status === 'accepted' || original.status === 'processing') {
      throw WebhookErrors.redeliverInProgress(original.id, original.status);
    }
    const copy = await this.repo.insertOrFindDuplicate({
      organizationId: original.organizationId,
      webhookId,
      idempotencyKey: null,
      headers: original.headers,
      payload: original.payload,
      sourceIp: original.sourceIp,
      redeliveryOf: original.id,
    });
    await this.audit.record({
      action: 'webhook.redeliver',
      target: `webhook:${webhookId}`,
      details: { delivery_id: original.id, new_delivery_id: copy.id, previous_status: original.status },
    });
    this.worker.kick();
    return { delivery_id: copy.id, redelivery_of: original.id };
  }

  private async find(webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
    await this.webhooks.find(webhookId);
    const delivery = await this.repo.findById(webhookId, deliveryId);
    if (!delivery) throw WebhookErrors.deliveryNotFound(deliveryId);
    return delivery;
  }
}
