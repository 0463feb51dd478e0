import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomHex } from '../../../common/crypto';
import { LifecycleService } from '../../../common/lifecycle/lifecycle.service';
import { LockdownService } from '../../auth/services/lockdown.service';
import { ClaimedTask, TaskClaimsRepository } from '../repositories/task-claims.repository';
import { DlqRepository } from '../repositories/dlq.repository';
import { SchedulerConfig } from '../scheduler.config';
import { CleanupJobs } from './cleanup-jobs.service';
import { DlqService } from './dlq.service';
import { SchedulerMetrics } from './scheduler-metrics';
import { TaskExecutor } from './task-executor.service';
import { TasksService } from './tasks.service';

interface InFlight {
  claim: ClaimedTask;
  startedAt: number;
  done: Promise<void>;
}

const GAUGE_REFRESH_MS = 5000;
/** Cleanup jobs are due at most hourly by default: looking every few seconds is plenty. */
const JOB_CHECK_MS = 5000;

/**
 * The scheduler loop of this replica. Every SCHEDULER_TICK_MS it renews the
 * leases it holds, then (unless draining or in lockdown) claims as many due
 * tasks as it has free slots and runs them. Tasks of one chat_id run one after
 * another on a replica; across replicas the runtime's one-run-per-session
 * queue keeps their order. Cleanup jobs ride on the same tick.
 */
@Injectable()
export class SchedulerLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Scheduler');
  readonly runner = `${hostname()}:${process.pid}:${randomHex(3)}`;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = true;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly chatTails = new Map<string, Promise<void>>();
  private lastRenewal = 0;
  private lastGauges = 0;
  private lastJobCheck = 0;
  private wakeRequested = false;
  readonly stats = {
    started_at: null as string | null,
    last_tick_at: null as string | null,
    last_claim_at: null as string | null,
    last_error: null as string | null,
    paused_by_lockdown: false,
    claimed: 0,
    reclaimed: 0,
    finished: 0,
    leases_lost: 0,
  };

  constructor(
    private readonly config: SchedulerConfig,
    private readonly claims: TaskClaimsRepository,
    private readonly executor: TaskExecutor,
    private readonly lockdown: LockdownService,
    private readonly lifecycle: LifecycleService,
    private readonly metrics: SchedulerMetrics,
    private readonly dlqRepo: DlqRepository,
    private readonly dlq: DlqService,
    private readonly jobs: CleanupJobs,
    private readonly tasks: TasksService,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  onApplicationBootstrap(): void {
    if (!this.config.enabled) {
      this.logger.log('scheduler disabled on this replica (SCHEDULER_ENABLED=false)');
      return;
    }
    this.stopped = false;
    this.stats.started_at = new Date().toISOString();
    this.dlq.onQueued(() => this.wake());
    this.tasks.onChanged(() => this.wake());
    this.lifecycle.onDrain('scheduler', (deadline) => this.drain(deadline));
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Runs a tick soon (a task was created or replayed on this replica). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.ticking) return;
    this.ticking = this.tickOnce()
      .catch((err) => {
        const message = (err as Error).message;
        // a database outage fails every tick: say so once, not once a second
        if (message !== this.stats.last_error) this.logger.warn(`scheduler tick failed: ${message}`);
        this.stats.last_error = message;
      })
      .finally(() => {
        this.ticking = undefined;
        if (this.stopped) return;
        const again = this.wakeRequested;
        this.wakeRequested = false;
        this.schedule(again ? 0 : this.config.tickMs);
      });
  }

  private async tickOnce(): Promise<void> {
    this.stats.last_tick_at = new Date().toISOString();
    await this.renewLeases();
    if (this.lifecycle.draining) return;
    this.stats.paused_by_lockdown = await this.lockdown.isActive();
    if (!this.stats.paused_by_lockdown) {
      const free = this.config.maxConcurrency - this.inFlight.size;
      if (free > 0) {
        const claimed = await this.claims.claimDue(this.runner, free, this.config.leaseMs, [...this.chatTails.keys()]);
        if (claimed.length) this.stats.last_claim_at = new Date().toISOString();
        for (const claim of claimed) this.launch(claim);
      }
      if (Date.now() - this.lastJobCheck >= JOB_CHECK_MS) {
        this.lastJobCheck = Date.now();
        this.jobs.runDue(this.runner);
      }
    }
    await this.refreshGauges();
    this.stats.last_error = null;
  }

  private launch(claim: ClaimedTask): void {
    const token = claim.task.claimToken!;
    const chat = claim.task.chatId;
    this.stats.claimed++;
    if (claim.reclaimed) this.stats.reclaimed++;
    this.metrics.claims.inc({ kind: claim.reclaimed ? 'reclaimed' : 'due' });
    const previous = this.chatTails.get(chat) ?? Promise.resolve();
    const done = previous
      .then(() => this.executor.execute(claim, this.runner))
      .then(() => undefined)
      .finally(() => {
        this.inFlight.delete(token);
        this.stats.finished++;
        if (this.chatTails.get(chat) === done) this.chatTails.delete(chat);
        if (!this.stopped && this.inFlight.size < this.config.maxConcurrency) this.wake();
      });
    this.chatTails.set(chat, done);
    this.inFlight.set(token, { claim, startedAt: Date.now(), done });
  }

  private async renewLeases(force = false): Promise<void> {
    if (this.inFlight.size === 0) return;
    if (!force && Date.now() - this.lastRenewal < this.config.leaseMs / 3) return;
    this.lastRenewal = Date.now();
    const tokens = [...this.inFlight.keys()];
    const held = await this.claims.renewLeases(tokens, this.config.leaseMs);
    for (const token of tokens) {
      if (held.has(token) || !this.inFlight.has(token)) continue;
      const lost = this.inFlight.get(token)!;
      this.stats.leases_lost++;
      this.logger.warn(`lost the lease of task ${lost.claim.task.id} (reclaimed elsewhere, paused and deleted, or stalled too long)`);
    }
  }

  private async refreshGauges(): Promise<void> {
    if (Date.now() - this.lastGauges < GAUGE_REFRESH_MS) return;
    this.lastGauges = Date.now();
    this.metrics.dlqSize.set(await this.dlqRepo.countPendingAll());
    this.metrics.lag.set(await this.claims.lagSeconds());
  }

  /** Stops claiming; waits for runs in flight until shortly before the deadline, then lets go of their leases. */
  private async drain(deadline: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const budget = Math.max(0, deadline - Date.now() - 250);
    if (this.inFlight.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight.values()].map((f) => f.done)),
        new Promise((resolve) => (timer = setTimeout(resolve, budget))),
      ]);
      clearTimeout(timer);
    }
    await this.release();
  }

  private async stop(): Promise<void> {
    if (this.stopped && this.inFlight.size === 0) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.release();
  }

  private async release(): Promise<void> {
    const tokens = [...this.inFlight.keys()];
    if (!tokens.length) return;
    try {
      await this.claims.releaseLeases(tokens);
      this.logger.log(`released ${tokens.length} task lease(s) at shutdown; another replica takes them over`);
    } catch (err) {
      this.logger.warn(`could not release task leases at shutdown (they expire after SCHEDULER_LEASE_MS): ${(err as Error).message}`);
    }
  }
}
