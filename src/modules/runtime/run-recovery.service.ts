import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { systemPrincipal } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { LifecycleService } from '../../common/lifecycle/lifecycle.service';
import { DatabaseConfig } from '../../config/database.config';
import { ChatEmitter } from './chat-emitter';
import { RunExecutor } from './run-executor';
import { RunMetrics } from './run-metrics';
import { ReclaimedRun, RunsRepository } from './runs.repository';
import { RuntimeConfig } from './runtime.config';

export const INTERRUPTED_AT_BOOT = 'interrupted: process exited while the run was executing';
export const INTERRUPTED_LEASE =
  'interrupted: the replica executing the run stopped heartbeating (lease expired)';

/**
 * Nothing stays stuck: at boot, runs a dead process left `running` (embedded:
 * all of them, since one process owns the database; PostgreSQL: those whose
 * lease expired) go back to the queue when they had not started work yet (no
 * message of theirs in the transcript) and are failed otherwise. Then a
 * periodic sweep does the same for expired leases and starts runs left queued
 * behind nothing.
 */
@Injectable()
export class RunRecoveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RunRecovery');
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly db: DatabaseConfig,
    private readonly runs: RunsRepository,
    private readonly executor: RunExecutor,
    private readonly bus: EventBus,
    private readonly metrics: RunMetrics,
    lifecycle: LifecycleService,
  ) {
    lifecycle.onDrain('runs', (deadline) => this.stop(Math.max(0, deadline - Date.now() - 500)));
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      const requeued = await this.runs.requeueUntouchedAcrossOrganizations(this.db.embedded);
      if (requeued.length)
        this.logger.warn(`queued again ${requeued.length} run(s) interrupted before they started work`);
      const failed = await this.runs.failStuckAcrossOrganizations(
        this.db.embedded ? INTERRUPTED_AT_BOOT : INTERRUPTED_LEASE,
        this.db.embedded,
      );
      if (failed.length) this.logger.warn(`failed ${failed.length} run(s) interrupted by a previous process`);
      failed.forEach((r) =>
        this.publishFailed(r, this.db.embedded ? INTERRUPTED_AT_BOOT : INTERRUPTED_LEASE),
      );
    } catch (err) {
      this.logger.warn(`boot recovery skipped: ${(err as Error).message}`);
    }
    this.timer = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
    this.timer.unref();
    void this.sweep();
  }

  /** One pass: fail expired leases, start runs queued behind nothing. Returns how many runs it started. */
  async sweep(): Promise<number> {
    if (this.sweeping || this.stopped) return 0;
    this.sweeping = true;
    let started = 0;
    try {
      const requeued = await this.runs.requeueUntouchedAcrossOrganizations(false);
      if (requeued.length)
        this.logger.warn(`queued again ${requeued.length} run(s) whose replica stopped before they started work`);
      const expired = await this.runs.failStuckAcrossOrganizations(INTERRUPTED_LEASE, false);
      expired.forEach((r) => this.publishFailed(r, INTERRUPTED_LEASE));
      const idle = await this.runs.idleSessionsWithQueuedAcrossOrganizations(100);
      for (const { organizationId, sessionKey } of idle) {
        if (this.stopped) break;
        const id = await RequestContext.run(
          { requestId: 'run-sweep', transport: 'system', principal: systemPrincipal(organizationId) },
          () => this.executor.startNext(sessionKey),
        );
        if (id) started++;
      }
    } catch (err) {
      this.logger.warn(`run sweep failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
    return started;
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.executor.stop(graceMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop(0);
  }

  private publishFailed(run: ReclaimedRun, reason: string): void {
    new ChatEmitter(this.bus, run.organizationId, run.sessionKey, run.id, run.eventSeq).chat('error', {
      errorMessage: reason,
      errorKind: 'interrupted',
    });
    this.metrics.finished.inc({ status: 'failed' });
    this.bus.publish('run.finished', {
      organizationId: run.organizationId,
      runId: run.id,
      sessionKey: run.sessionKey,
      status: 'failed',
      error: reason,
      source: run.source,
      ...(run.sourceRef ? { sourceRef: run.sourceRef } : {}),
      durationMs: run.startedAt ? Date.now() - run.startedAt.getTime() : 0,
    });
  }
}
