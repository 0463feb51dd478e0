import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { returnedRows } from '../../database/returned-rows';
import { DeliveryStatus, WebhookDelivery } from './entities/webhook-delivery.entity';

export interface NewDelivery {
  organizationId: string;
  webhookId: string;
  idempotencyKey: string | null;
  headers: Record<string, string>;
  payload: Buffer;
  sourceIp: string | null;
  redeliveryOf?: string | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  since?: Date;
  until?: Date;
}

/** A delivery claimed by a worker: what it needs to start the run. */
export interface ClaimedDelivery {
  id: string;
  organizationId: string;
  webhookId: string;
  attempts: number;
  headers: Record<string, string>;
  payload: Buffer;
  receivedAt: Date;
}

/** Columns of the list view (the payload stays in the table). */
const SUMMARY_COLUMNS: (keyof WebhookDelivery)[] = [
  'id',
  'webhookId',
  'idempotencyKey',
  'status',
  'attempts',
  'nextAttemptAt',
  'lastError',
  'runId',
  'runStatus',
  'payloadBytes',
  'sourceIp',
  'redeliveryOf',
  'receivedAt',
  'processedAt',
];

/**
 * The delivery table, which is also the durable queue. Claims and state
 * changes are single statements (their own short transactions), so with the
 * single embedded connection nothing is held open while a run starts.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectRepository(WebhookDelivery) private readonly repo: Repository<WebhookDelivery>) {}

  /** Commits a new delivery; on a repeated idempotency key returns the original instead. */
  async insertOrFindDuplicate(d: NewDelivery): Promise<{ id: string; duplicate: boolean }> {
    const inserted: { id: string }[] = await this.repo.query(
      `INSERT INTO webhook_deliveries (organization_id, webhook_id, idempotency_key, headers, payload, payload_bytes, source_ip, redelivery_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (webhook_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [d.organizationId, d.webhookId, d.idempotencyKey, JSON.stringify(d.headers), d.payload, d.payload.length, d.sourceIp, d.redeliveryOf ?? null],
    );
    if (inserted.length) return { id: inserted[0].id, duplicate: false };
    const existing: { id: string }[] = await this.repo.query(
      `SELECT id FROM webhook_deliveries WHERE webhook_id = $1 AND idempotency_key = $2`,
      [d.webhookId, d.idempotencyKey],
    );
    if (!existing.length) throw new Error('idempotency conflict without a matching delivery (deleted concurrently); retry');
    return { id: existing[0].id, duplicate: true };
  }

  /**
   * Commits several new deliveries in one statement (one transaction); for each,
   * in order, its id — or, on a repeated idempotency key (also within the batch),
   * the original's id with duplicate = true.
   */
  async insertMany(rows: NewDelivery[]): Promise<{ id: string; duplicate: boolean }[]> {
    const ids = rows.map(() => randomUUID());
    const params: unknown[] = [];
    const values = rows.map((d, i) => {
      const at = params.length;
      params.push(ids[i], d.organizationId, d.webhookId, d.idempotencyKey, JSON.stringify(d.headers), d.payload, d.payload.length, d.sourceIp, d.redeliveryOf ?? null);
      return `(${Array.from({ length: 9 }, (_, k) => `$${at + k + 1}`).join(', ')})`;
    });
    const inserted = new Set(
      returnedRows<{ id: string }>(
        await this.repo.query(
          `INSERT INTO webhook_deliveries (id, organization_id, webhook_id, idempotency_key, headers, payload, payload_bytes, source_ip, redelivery_of)
           VALUES ${values.join(', ')}
           ON CONFLICT (webhook_id, idempotency_key) DO NOTHING
           RETURNING id`,
          params,
        ),
      ).map((r) => r.id),
    );
    const repeats = rows.filter((_, i) => !inserted.has(ids[i]));
    const originals = new Map<string, string>();
    if (repeats.length) {
      const found: { id: string; webhook_id: string; idempotency_key: string }[] = await this.repo.query(
        `SELECT id, webhook_id, idempotency_key FROM webhook_deliveries
          WHERE (webhook_id, idempotency_key) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`,
        [repeats.map((d) => d.webhookId), repeats.map((d) => d.idempotencyKey)],
      );
      for (const f of found) originals.set(`${f.webhook_id}\n${f.idempotency_key}`, f.id);
    }
    return rows.map((d, i) => {
      if (inserted.has(ids[i])) return { id: ids[i], duplicate: false };
      const original = originals.get(`${d.webhookId}\n${d.idempotencyKey}`);
      if (!original) throw new Error('idempotency conflict without a matching delivery (deleted concurrently); retry');
      return { id: original, duplicate: true };
    });
  }

  list(webhookId: string, filter: DeliveryFilter, limit: number, offset: number): Promise<[WebhookDelivery[], number]> {
    const qb = this.repo
      .createQueryBuilder('d')
      .select(SUMMARY_COLUMNS.map((c) => `d.${c}`))
      .where('d.organization_id = :org', { org: RequestContext.organizationId() })
      .andWhere('d.webhook_id = :webhookId', { webhookId });
    if (filter.status) qb.andWhere('d.status = :status', { status: filter.status });
    if (filter.since) qb.andWhere('d.received_at >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('d.received_at < :until', { until: filter.until });
    return qb.orderBy('d.received_at', 'DESC').addOrderBy('d.id', 'DESC').take(limit).skip(offset).getManyAndCount();
  }

  findById(webhookId: string, id: string): Promise<WebhookDelivery | null> {
    return this.repo.findOne({ where: { id, webhookId, organizationId: RequestContext.organizationId() } });
  }

  /**
   * Claims up to `limit` due deliveries for `workerId` (FOR UPDATE SKIP LOCKED,
   * so replicas never claim the same row): new ones whose time has come, and
   * processing ones whose lease expired (their worker died). Each claim counts
   * as an attempt.
   */
  async claimDue(workerId: string, limit: number, leaseMs: number, maxAttempts: number): Promise<ClaimedDelivery[]> {
    const result = await this.repo.query(
      `UPDATE webhook_deliveries d
          SET status = 'processing', attempts = d.attempts + 1, locked_by = $1,
              locked_until = now() + $2 * interval '1 millisecond'
         FROM (SELECT id FROM webhook_deliveries
                WHERE ((status = 'accepted' AND next_attempt_at <= now())
                    OR (status = 'processing' AND locked_until < now()))
                  AND attempts < $4
                ORDER BY next_attempt_at
                LIMIT $3
                FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id
    RETURNING d.id, d.organization_id AS "organizationId", d.webhook_id AS "webhookId", d.attempts,
              d.headers, d.payload, d.received_at AS "receivedAt"`,
      [workerId, leaseMs, limit, maxAttempts],
    );
    return returnedRows<ClaimedDelivery>(result);
  }

  /** Deliveries whose worker died on their last allowed attempt: failed, not retried forever. */
  async failExpiredExhausted(maxAttempts: number): Promise<string[]> {
    return this.ids(
      await this.repo.query(
        `UPDATE webhook_deliveries
            SET status = 'failed', processed_at = now(), locked_by = NULL, locked_until = NULL,
                last_error = 'the worker processing it stopped (lease expired) on the last attempt'
          WHERE status = 'processing' AND locked_until < now() AND attempts >= $1
      RETURNING id`,
        [maxAttempts],
      ),
    );
  }

  async markDelivered(id: string, workerId: string, runId: string): Promise<boolean> {
    return this.changed(
      await this.repo.query(
        `UPDATE webhook_deliveries
            SET status = 'delivered', run_id = $3, processed_at = now(), last_error = NULL, locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'processing'
      RETURNING id`,
        [id, workerId, runId],
      ),
    );
  }

  async markRetry(id: string, workerId: string, error: string, delayMs: number): Promise<boolean> {
    return this.changed(
      await this.repo.query(
        `UPDATE webhook_deliveries
            SET status = 'accepted', last_error = $3, next_attempt_at = now() + $4 * interval '1 millisecond',
                locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'processing'
      RETURNING id`,
        [id, workerId, error, delayMs],
      ),
    );
  }

  async markFailed(id: string, workerId: string, error: string): Promise<boolean> {
    return this.changed(
      await this.repo.query(
        `UPDATE webhook_deliveries
            SET status = 'failed', last_error = $3, processed_at = now(), locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'processing'
      RETURNING id`,
        [id, workerId, error],
      ),
    );
  }

  /** Gives a claim back without counting it as an attempt (organization locked, shutting down). */
  async release(id: string, workerId: string, delayMs: number, note: string | null = null): Promise<boolean> {
    return this.changed(
      await this.repo.query(
        `UPDATE webhook_deliveries
            SET status = 'accepted', attempts = GREATEST(attempts - 1, 0), next_attempt_at = now() + $3 * interval '1 millisecond',
                last_error = COALESCE($4, last_error), locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'processing'
      RETURNING id`,
        [id, workerId, delayMs, note],
      ),
    );
  }

  /**
   * Processing deliveries locked by other processes back to the queue at once
   * (embedded mode at boot, when no other live process can hold a lease);
   * those on their last attempt fail.
   */
  async releaseProcessingOfOtherProcesses(ownProcessPrefix: string, maxAttempts: number): Promise<number> {
    const rows = await this.repo.query(
      `UPDATE webhook_deliveries
          SET status = CASE WHEN attempts >= $1 THEN 'failed' ELSE 'accepted' END,
              processed_at = CASE WHEN attempts >= $1 THEN now() ELSE NULL END,
              last_error = CASE WHEN attempts >= $1 THEN 'the process handling it stopped on the last attempt' ELSE last_error END,
              next_attempt_at = now(), locked_by = NULL, locked_until = NULL
        WHERE status = 'processing' AND left(coalesce(locked_by, ''), length($2)) <> $2
    RETURNING id`,
      [maxAttempts, ownProcessPrefix],
    );
    return this.ids(rows).length;
  }

  async setRunStatus(organizationId: string, id: string, runId: string, runStatus: string): Promise<void> {
    await this.repo.query(
      `UPDATE webhook_deliveries SET run_status = $4 WHERE id = $2 AND organization_id = $1 AND (run_id = $3 OR run_id IS NULL)`,
      [organizationId, id, runId, runStatus],
    );
  }

  /** Deliveries waiting for or in processing, across organizations (health). */
  async queueDepth(): Promise<{ accepted: number; processing: number }> {
    const rows: { status: string; n: string }[] = await this.repo.query(
      `SELECT status, count(*) AS n FROM webhook_deliveries WHERE status IN ('accepted', 'processing') GROUP BY status`,
    );
    const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { accepted: of('accepted'), processing: of('processing') };
  }

  /** Deletes up to `batch` finished deliveries received before `before`; returns how many. */
  async deleteFinishedBefore(before: Date, batch: number): Promise<number> {
    const rows = await this.repo.query(
      `DELETE FROM webhook_deliveries
        WHERE id IN (SELECT id FROM webhook_deliveries
                      WHERE status IN ('delivered', 'failed') AND received_at < $1
                      LIMIT $2)
    RETURNING id`,
      [before, batch],
    );
    return this.ids(rows).length;
  }

  async deleteByWebhook(webhookId: string): Promise<number> {
    const rows = await this.repo.query(
      `DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND organization_id = $2 RETURNING id`,
      [webhookId, RequestContext.organizationId()],
    );
    return this.ids(rows).length;
  }

  private ids(result: unknown): string[] {
    return returnedRows<{ id: string }>(result).map((r) => r.id);
  }

  private changed(result: unknown): boolean {
    return this.ids(result).length > 0;
  }
}
