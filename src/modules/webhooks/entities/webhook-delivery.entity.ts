import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['accepted', 'processing', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One accepted webhook request, durable from the moment ingest answers 202.
 * It is also the queue entry: workers claim it (locked_by/locked_until lease),
 * turn it into a run, and record the outcome.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_webhook_id_idempotency_key_key', ['webhookId', 'idempotencyKey'], { unique: true })
@Index('webhook_deliveries_webhook_id_received_at_idx', ['webhookId', 'receivedAt'])
@Index('webhook_deliveries_status_next_attempt_at_idx', ['status', 'nextAttemptAt'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('webhook_deliveries_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'uuid', name: 'webhook_id' })
  webhookId: string;

  /** X-GitHub-Delivery / X-Webhook-Id / Idempotency-Key of the sender (unique per webhook). */
  @Column({ type: 'text', name: 'idempotency_key', nullable: true })
  idempotencyKey: string | null;

  @Column({ type: 'text', default: 'accepted' })
  status: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'timestamptz', name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ type: 'text', name: 'locked_by', nullable: true })
  lockedBy: string | null;

  @Column({ type: 'timestamptz', name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError: string | null;

  @Column({ type: 'text', name: 'run_id', nullable: true })
  runId: string | null;

  /** Terminal status of the run, once it finished (succeeded|failed|aborted|timed_out). */
  @Column({ type: 'text', name: 'run_status', nullable: true })
  runStatus: string | null;

  /** The request headers minus signatures, Authorization and cookies. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  headers: Record<string, string>;

  /** The raw body, byte for byte. */
  @Column({ type: 'bytea' })
  payload: Buffer;

  @Column({ type: 'int', name: 'payload_bytes' })
  payloadBytes: number;

  @Column({ type: 'text', name: 'source_ip', nullable: true })
  sourceIp: string | null;

  /** Set on a copy made by POST …/redeliver: the delivery it repeats. */
  @Column({ type: 'uuid', name: 'redelivery_of', nullable: true })
  redeliveryOf: string | null;

  @Column({ type: 'timestamptz', name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'timestamptz', name: 'processed_at', nullable: true })
  processedAt: Date | null;
}
