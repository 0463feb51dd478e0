import { Injectable } from '@nestjs/common';
import { DeliveriesRepository } from '../deliveries.repository';
import { WebhooksConfig } from '../webhooks.config';

const BATCH = 1000;

export interface RetentionStatus {
  retentionDays: number;
  lastRunAt: string | null;
  lastDeleted: number | null;
}

/**
 * Purges delivered and failed webhook deliveries received before a date, in
 * batches (short statements). The scheduler's cleanup job runner calls
 * purgeOlderThan(now − WEBHOOK_RETENTION_DAYS) on its schedule and logs
 * `Cleaned up N webhook deliveries`. Deliveries still queued are never
 * purged: an accepted delivery is not lost.
 */
@Injectable()
export class DeliveryRetention {
  private lastRunAt: Date | null = null;
  private lastDeleted: number | null = null;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly config: WebhooksConfig,
  ) {}

  /** Deletes finished deliveries received before `date`; returns how many. */
  async purgeOlderThan(date: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.deliveries.deleteFinishedBefore(date, BATCH);
      total += deleted;
      if (deleted < BATCH) break;
    }
    this.lastRunAt = new Date();
    this.lastDeleted = total;
    return total;
  }

  status(): RetentionStatus {
    return {
      retentionDays: this.config.retentionDays,
      lastRunAt: this.lastRunAt?.toISOString() ?? null,
      lastDeleted: this.lastDeleted,
    };
  }
}
