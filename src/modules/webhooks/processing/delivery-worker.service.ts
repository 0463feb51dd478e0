import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { randomHex } from '../../../common/crypto';
import { AppException } from '../../../common/errors/app-exception';
import { EventBus } from '../../../common/events/event-bus';
import { LifecycleService } from '../../../common/lifecycle/lifecycle.service';
import { DatabaseConfig } from '../../../config/database.config';
import { OrganizationsRepository } from '../../auth/repositories/organizations.repository';
import { LockdownService } from '../../auth/services/lockdown.service';
import { fenceExternal } from '../../runtime/fence';
import { RuntimeConfig } from '../../runtime/runtime.config';
import { RunsService } from '../../runtime/runs.service';
import { ClaimedDelivery, DeliveriesRepository } from '../deliveries.repository';
import { WebhooksConfig } from '../webhooks.config';
import { WebhooksMetrics } from '../webhooks.metrics';
import { WebhooksRepository } from '../webhooks.repository';
import { retryDelayMs } from './backoff';
import { renderMessage } from './message-template';

/** A locked organization's deliveries wait this long before being looked at again (no attempt counted). */
const ORG_LOCKED_RECHECK_MS = 30_000;
const EXHAUSTED_SWEEP_MS = 5_000;
/** A delivery whose session has a full run queue (RUN_QUEUE_FULL) waits about this long. */
const SESSION_BUSY_RETRY_MS = 2_000;

export interface WorkerStatus {
  running: boolean;
  paused: 'lockdown' | null;
  concurrency: number;
  inFlight: number;
  lastClaimAt: string | null;
  lastError: string | null;
}

/**
 * The delivery queue's consumer on this replica. It claims due deliveries with
 * a lease (FOR UPDATE SKIP LOCKED, one short statement), then, outside any
 * transaction, turns each into a run of the webhook's session:
 * RunsService.start({ idempotencyKey: `webhook:<delivery id>` }), so a delivery
 * retried after a crash or claimed twice still makes exactly one run.
 *
 * "delivered" = handed to the session as a run (run_id recorded); how the run
 * ended is recorded later as run_status. Failures retry with exponential
 * backoff until WEBHOOK_MAX_ATTEMPTS, then the delivery is "failed".
 * Lockdown pauses claiming (ingest keeps accepting); draining stops it.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookWorker');
  private readonly processPrefix = `${hostname()}:${process.pid}:`;
  readonly workerId = `${this.processPrefix}${randomHex(4)}`;
  private timer?: NodeJS.Timeout;
  private running = false;
  private ticking = false;
  private kicked = false;
  private inFlight = new Set<Promise<void>>();
  private pausedBy: 'lockdown' | null = null;
  private lastClaimAt: Date | null = null;
  private lastError: string | null = null;
  private lastSweepAt = 0;
  private unsubscribe?: () => void;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly lockdown: LockdownService,
    private readonly config: WebhooksConfig,
    private readonly database: DatabaseConfig,
    private readonly metrics: WebhooksMetrics,
    private readonly lifecycle: LifecycleService,
    private readonly bus: EventBus,
    private readonly runs: RunsService,
    private readonly runtime: RuntimeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.bus.subscribe('run.finished', (e) => {
      if (e.source !== 'webhook' || !e.sourceRef) return;
      this.deliveries
        .setRunStatus(e.organizationId, e.sourceRef, e.runId, e.status)
        .catch((err) => this.logger.warn(`could not record run status of delivery ${e.sourceRef}: ${(err as Error).message}`));
    });
    if (this.config.workerConcurrency === 0) {
      this.logger.log('WEBHOOK_WORKER_CONCURRENCY=0: this replica ingests webhooks but does not process them');
      return;
    }
    if (this.database.embedded) await this.recoverAfterCrash();
    this.lifecycle.onDrain('webhook-worker', (deadline) => this.stop(deadline));
    this.running = true;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop(Date.now() + 2_000);
  }

  /** Look for work now (after an ingest on this replica) instead of at the next poll. */
  kick(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.kicked = true;
      return;
    }
    this.schedule(0);
  }

  status(): WorkerStatus {
    return {
      running: this.running,
      paused: this.pausedBy,
      concurrency: this.config.workerConcurrency,
      inFlight: this.inFlight.size,
      lastClaimAt: this.lastClaimAt?.toISOString() ?? null,
      lastError: this.lastError,
    };
  }

  /** Stops claiming and waits (until `deadline`) for the deliveries in hand. */
  async stop(deadline: number): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const left = deadline - Date.now();
    if (this.inFlight.size && left > 0) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, left).unref())]);
    }
  }

  /** Runs one claim round now (tests and the first tick after boot). */
  async tick(): Promise<number> {
    if (this.ticking) return 0;
    this.ticking = true;
    this.kicked = false;
    let claimed = 0;
    try {
      if (await this.lockdown.isActive()) {
        if (this.pausedBy !== 'lockdown') this.logger.warn('lockdown is active: webhook processing paused (ingest still accepts)');
        this.pausedBy = 'lockdown';
        return 0;
      }
      if (this.pausedBy) this.logger.log('lockdown lifted: webhook processing resumed');
      this.pausedBy = null;
      await this.sweepExhausted();
      const free = this.config.workerConcurrency - this.inFlight.size;
      if (free <= 0) return 0;
      const batch = await this.deliveries.claimDue(this.workerId, free, this.config.leaseMs, this.config.maxAttempts);
      claimed = batch.length;
      if (claimed) this.lastClaimAt = new Date();
      for (const delivery of batch) this.track(this.process(delivery));
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.logger.warn(`claiming webhook deliveries failed: ${this.lastError}`);
    } finally {
      this.ticking = false;
      if (this.running) {
        const more = claimed > 0 && this.inFlight.size < this.config.workerConcurrency;
        this.schedule(this.kicked || more ? 0 : this.config.pollIntervalMs);
      }
    }
    return claimed;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.kick(); // a slot is free: more may be waiting
    });
  }

  private async sweepExhausted(): Promise<void> {
    if (Date.now() - this.lastSweepAt < EXHAUSTED_SWEEP_MS) return;
    this.lastSweepAt = Date.now();
    const failed = await this.deliveries.failExpiredExhausted(this.config.maxAttempts);
    if (failed.length) {
      this.metrics.processed.inc({ status: 'failed' }, failed.length);
      this.logger.warn(`${failed.length} webhook deliveries failed: their worker stopped during the last attempt`);
    }
  }

  /**
   * With the embedded database only this process can use DATA_DIR (it is locked
   * to one process), so deliveries left "processing" by another process belong
   * to one that died: take them back now instead of waiting for their leases.
   */
  private async recoverAfterCrash(): Promise<void> {
    try {
      const released = await this.deliveries.releaseProcessingOfOtherProcesses(this.processPrefix, this.config.maxAttempts);
      if (released) this.logger.warn(`recovered ${released} webhook deliveries left processing by a previous run of this process`);
    } catch (err) {
      this.logger.warn(`could not recover deliveries left processing: ${(err as Error).message}`);
    }
  }

  private process(d: ClaimedDelivery): Promise<void> {
    const context = {
      requestId: `webhook-delivery:${d.id}`,
      transport: 'system' as const,
      principal: systemPrincipal(d.organizationId),
    };
    return RequestContext.run(context, async () => {
      try {
        const webhook = await this.webhooks.findByIdInOrganization(d.webhookId, d.organizationId);
        if (!webhook) return void (await this.fail(d, 'the webhook was deleted'));
        const org = await this.organizations.findById(d.organizationId);
        if (!org || org.disabled || org.lockedAt) {
          await this.deliveries.release(d.id, this.workerId, ORG_LOCKED_RECHECK_MS, 'waiting: the organization is locked or disabled');
          return;
        }
        const message = renderMessage(
          webhook.messageTemplate,
          { webhook, deliveryId: d.id, receivedAt: new Date(d.receivedAt), headers: d.headers ?? {}, payload: d.payload },
          fenceExternal,
          {
            maxBytes: this.runtime.maxMessageBytes,
            fullPayloadHint: `GET /api/webhooks/${webhook.id}/deliveries/${d.id}`,
          },
        );
        const run = await this.withTimeout(
          this.runs.start({
            sessionKey: webhook.sessionKey,
            message,
            idempotencyKey: `webhook:${d.id}`,
            source: 'webhook',
            sourceRef: d.id,
          }),
        );
        if (await this.deliveries.markDelivered(d.id, this.workerId, run.runId)) {
          this.metrics.processed.inc({ status: 'delivered' });
        }
      } catch (err) {
        await this.retryOrFail(d, err);
      }
    });
  }

  private async retryOrFail(d: ClaimedDelivery, err: unknown): Promise<void> {
    const reason = describe(err);
    try {
      if (err instanceof AppException && err.code === 'RUN_QUEUE_FULL') {
        // Back-pressure from a busy session, not a failure: wait without spending an attempt.
        const delay = retryDelayMs(1, SESSION_BUSY_RETRY_MS, SESSION_BUSY_RETRY_MS * 2);
        await this.deliveries.release(d.id, this.workerId, delay, `waiting: ${reason}`);
        return;
      }
      this.metrics.attemptFailures.inc();
      if (d.attempts >= this.config.maxAttempts) {
        await this.fail(d, `attempt ${d.attempts}/${this.config.maxAttempts}: ${reason}`);
        return;
      }
      const delay = retryDelayMs(d.attempts, this.config.backoffBaseMs, this.config.backoffMaxMs);
      await this.deliveries.markRetry(d.id, this.workerId, `attempt ${d.attempts}/${this.config.maxAttempts}: ${reason}`, delay);
      this.logger.warn(`webhook delivery ${d.id} attempt ${d.attempts} failed (${reason}); retry in ${delay} ms`);
    } catch (dbErr) {
      // The lease runs out and another round picks the delivery up again.
      this.logger.warn(`could not record the outcome of webhook delivery ${d.id}: ${(dbErr as Error).message}`);
    }
  }

  private async fail(d: ClaimedDelivery, reason: string): Promise<void> {
    if (await this.deliveries.markFailed(d.id, this.workerId, reason)) {
      this.metrics.processed.inc({ status: 'failed' });
      this.logger.warn(`webhook delivery ${d.id} failed for good: ${reason}`);
    }
  }

  /** A run start slower than half the lease counts as a failed attempt (the lease must not run out under it). */
  private withTimeout<T>(work: Promise<T>): Promise<T> {
    const ms = Math.floor(this.config.leaseMs / 2);
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`starting the run took longer than ${ms} ms`)), ms);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  }
}

function describe(err: unknown): string {
  if (err instanceof AppException) return `${err.code}: ${err.detail}`.slice(0, 1000);
  return String((err as Error)?.message ?? err).slice(0, 1000);
}
