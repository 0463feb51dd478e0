import { Injectable } from '@nestjs/common';
import { DatabaseConfig } from '../../../config/database.config';
import { DeliveriesRepository, NewDelivery } from '../deliveries.repository';

const MAX_ROWS = 200;
const MAX_BYTES = 8 * 1024 * 1024;

interface Pending {
  delivery: NewDelivery;
  resolve(result: { id: string; duplicate: boolean }): void;
  reject(err: unknown): void;
}

/**
 * Group commit for ingest: a delivery is written at once when the database is
 * idle; deliveries arriving while a write is in flight are committed together
 * in the next statement (up to 200 rows / 8 MiB). Each caller still learns of
 * its own commit before answering 202, so nothing is acknowledged early — there
 * are just fewer round trips and transactions under load (embedded mode has a
 * single connection).
 */
@Injectable()
export class DeliveryInserter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    database: DatabaseConfig,
  ) {
    this.maxInFlight = database.embedded ? 1 : Math.max(1, Math.min(4, Math.floor(database.poolSize / 2)));
  }

  insert(delivery: NewDelivery): Promise<{ id: string; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < MAX_ROWS) {
      bytes += this.queue[n].delivery.payload.length;
      if (n > 0 && bytes > MAX_BYTES) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      const results = await this.deliveries.insertMany(batch.map((p) => p.delivery));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    }
  }
}
