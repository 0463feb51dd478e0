import { Injectable, Logger, OnApplicationBootstrap, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SchedulerJob } from '../entities/scheduler-job.entity';
import { DlqRepository } from '../repositories/dlq.repository';
import { JobsRepository } from '../repositories/jobs.repository';
import { TaskRunsRepository } from '../repositories/task-runs.repository';
import { SchedulerConfig } from '../scheduler.config';
import { SchedulerErrors } from '../scheduler.errors';
import { CLEANUP_TARGETS, CleanupTarget } from './cleanup-targets';
import { SchedulerMetrics } from './scheduler-metrics';

const DAY_MS = 86_400_000;
const JOB_LEASE_MS = 10 * 60_000;

/** What one run of a cleanup job did. */
export type CleanupResult = { count: number } | { skipped: string };

export interface CleanupJob {
  name: string;
  /** Plural noun for the log line `Cleaned up N <things>`. */
  things: string;
  run(): Promise<CleanupResult>;
}

export interface JobStatus {
  name: string;
  last_run_at: string | null;
  last_count: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  last_runner: string | null;
  next_run_at: string;
  running: boolean;
  runs: number;
  failures: number;
}

/**
 * Cluster-wide cleanup jobs on the scheduler's tick. Each job has a row in
 * scheduler_jobs; a replica claims the row (lease) before running the job, so
 * each CLEANUP_INTERVAL_MS it runs on one replica only, and a replica that dies
 * mid-job leaves it to another after the lease. Retention of other modules'
 * data goes through their services (purge methods), never their tables.
 */
@Injectable()
export class CleanupJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('Cleanup');
  private readonly jobs: CleanupJob[];
  private running?: Promise<void>;
  private ready = false;

  constructor(
    private readonly config: SchedulerConfig,
    private readonly repo: JobsRepository,
    private readonly taskRuns: TaskRunsRepository,
    private readonly dlq: DlqRepository,
    private readonly metrics: SchedulerMetrics,
    private readonly moduleRef: ModuleRef,
  ) {
    this.jobs = [...CLEANUP_TARGETS.map((target) => this.serviceJob(target)), this.taskRunsJob()];
  }

  get names(): string[] {
    return this.jobs.map((j) => j.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.enabled) return;
    try {
      await this.repo.ensure(this.names);
      this.ready = true;
    } catch (err) {
      this.logger.warn(`cleanup jobs not registered yet: ${(err as Error).message}`);
    }
  }

  /** Runs, one after another, the jobs that are due and that no replica holds (never throws). */
  runDue(runner: string): void {
    if (this.running) return;
    this.running = (async () => {
      try {
        if (!this.ready) {
          await this.repo.ensure(this.names);
          this.ready = true;
        }
        const claimed = await this.repo.claim(this.names, runner, JOB_LEASE_MS);
        for (const name of claimed) await this.runClaimed(name, runner);
      } catch (err) {
        this.logger.warn(`cleanup round failed: ${(err as Error).message}`);
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Runs one job now (operator request); 409 JOB_BUSY when another replica is running it. */
  async runNow(name: string, runner: string): Promise<JobStatus> {
    if (!this.names.includes(name)) throw SchedulerErrors.jobNotFound(name, this.names);
    await this.repo.ensure(this.names);
    await this.running; // a round of this replica finishes first (it may hold this job)
    const claimed = await this.repo.claim([name], runner, JOB_LEASE_MS, true);
    if (!claimed.length) throw SchedulerErrors.jobBusy(name);
    await this.runClaimed(name, runner);
    return (await this.status()).find((s) => s.name === name)!;
  }

  async status(): Promise<JobStatus[]> {
    const rows = await this.repo.all();
    const now = Date.now();
    return rows.filter((r) => this.names.includes(r.name)).map((r) => jobStatus(r, now));
  }

  private async runClaimed(name: string, runner: string): Promise<void> {
    const job = this.jobs.find((j) => j.name === name)!;
    const started = Date.now();
    let count: number | null = null;
    let error: string | null = null;
    try {
      const result = await job.run();
      if ('count' in result) {
        count = result.count;
        this.metrics.cleanedUp.inc({ job: name }, result.count);
        this.logger.log(`Cleaned up ${result.count} ${job.things}`);
      } else {
        this.logger.debug?.(`cleanup ${name} skipped: ${result.skipped}`);
      }
    } catch (err) {
      error = (err as Error).message || String(err);
      this.metrics.cleanupFailures.inc({ job: name });
      this.logger.warn(`cleanup ${name} failed: ${error}`);
    }
    await this.repo.finish(name, runner, { count, error, durationMs: Date.now() - started, intervalMs: this.config.cleanupIntervalMs });
  }

  private serviceJob(target: CleanupTarget): CleanupJob {
    return {
      name: target.name,
      things: target.things,
      run: async () => {
        const service = this.resolve(target.service);
        if (!service) return { skipped: `${target.service.name} is not part of this build` };
        const before = target.cutoff({ config: this.config, resolve: (t) => this.resolve(t), now: Date.now() });
        if (before === null) return { skipped: target.disabledReason ?? 'disabled' };
        const purge = (service as Record<string, unknown>)[target.method];
        if (typeof purge !== 'function') return { skipped: `${target.service.name}.${target.method} is not available` };
        const count = await (purge as (d: Date) => Promise<number>).call(service, before);
        return { count: Number(count) || 0 };
      },
    };
  }

  private taskRunsJob(): CleanupJob {
    return {
      name: 'task_runs',
      things: 'scheduler run logs and settled DLQ entries',
      run: async () => {
        const before = new Date(Date.now() - this.config.taskRunRetentionDays * DAY_MS);
        const runs = await this.taskRuns.deleteFinishedBefore(before);
        const entries = await this.dlq.deleteSettledBefore(before);
        return { count: runs + entries };
      },
    };
  }

  private resolve<T>(token: Type<T>): T | undefined {
    try {
      return this.moduleRef.get(token, { strict: false });
    } catch {
      return undefined;
    }
  }
}

function jobStatus(r: SchedulerJob, now: number): JobStatus {
  return {
    name: r.name,
    last_run_at: r.lastRunAt?.toISOString() ?? null,
    last_count: r.lastCount,
    last_error: r.lastError,
    last_duration_ms: r.lastDurationMs,
    last_runner: r.lastRunner,
    next_run_at: r.nextRunAt.toISOString(),
    running: !!r.lockedUntil && r.lockedUntil.getTime() > now,
    runs: r.runs,
    failures: r.failures,
  };
}


