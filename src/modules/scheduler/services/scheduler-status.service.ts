import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { HealthContributors } from '../../health/health-contributors';
import { ConsumerSources } from '../../metrics/sources/consumer-sources';
import { QueueDepthSources } from '../../metrics/sources/queue-depth-sources';
import { SloSources } from '../../metrics/sources/slo-sources';
import { DlqRepository } from '../repositories/dlq.repository';
import { TaskClaimsRepository } from '../repositories/task-claims.repository';
import { SchedulerConfig } from '../scheduler.config';
import { CleanupJobs } from './cleanup-jobs.service';
import { RECOVERABILITY_SLO, RecoverabilityService } from './recoverability.service';
import { SchedulerLoop } from './scheduler-loop.service';

/** What the scheduler reports: /api/scheduler/stats, /api/health, the SLO and queue-depth sources. */
@Injectable()
export class SchedulerStatus implements OnModuleInit {
  constructor(
    private readonly config: SchedulerConfig,
    private readonly loop: SchedulerLoop,
    private readonly jobs: CleanupJobs,
    private readonly recoverability: RecoverabilityService,
    private readonly claims: TaskClaimsRepository,
    private readonly dlq: DlqRepository,
    private readonly health: HealthContributors,
    @InjectDataSource() private readonly ds: DataSource,
    @Optional() private readonly slos?: SloSources,
    @Optional() private readonly queues?: QueueDepthSources,
    @Optional() private readonly consumers?: ConsumerSources,
  ) {}

  get runner(): string {
    return this.loop.runner;
  }

  onModuleInit(): void {
    this.health.register('scheduler', () => this.healthOfScheduler());
    this.health.register('cleanup', () => this.healthOfCleanup());
    this.slos?.register(RECOVERABILITY_SLO, async () => {
      const r = await this.recoverability.cluster();
      return { value: r.value, window: r.window };
    });
    this.queues?.register('scheduled_tasks_due', async () => {
      const rows: { n: string }[] = await this.ds.query(`SELECT count(*) AS n FROM scheduled_tasks WHERE status = 'active' AND next_run <= now()`);
      return Number(rows[0]?.n ?? 0);
    });
    this.consumers?.register('scheduler', () => ({
      running: this.loop.running,
      last_run_at: this.loop.stats.last_tick_at,
      last_error: this.loop.stats.last_error,
      in_flight: this.loop.inFlightCount,
      paused_by_lockdown: this.loop.stats.paused_by_lockdown,
    }));
  }

  /** GET /api/scheduler/stats: the caller's organization, plus this replica's loop. */
  async stats() {
    const organizationId = RequestContext.organizationId();
    const [recoverability, tasks, dlq, lag] = await Promise.all([
      this.recoverability.forOrganization(),
      this.ds.query(`SELECT status, count(*) AS n FROM scheduled_tasks WHERE organization_id = $1 GROUP BY status`, [organizationId]),
      this.ds.query(`SELECT status, count(*) AS n FROM task_dlq WHERE organization_id = $1 GROUP BY status`, [organizationId]),
      this.ds.query(
        `SELECT EXTRACT(EPOCH FROM (now() - min(next_run))) AS lag FROM scheduled_tasks WHERE organization_id = $1 AND status = 'active' AND next_run <= now()`,
        [organizationId],
      ),
    ]);
    const counts = (rows: { status: string; n: string }[]) => Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    return {
      [RECOVERABILITY_SLO]: recoverability,
      tasks: counts(tasks),
      dlq: counts(dlq),
      lag_seconds: Math.max(0, Number(lag[0]?.lag ?? 0)),
      replica: this.replicaState(),
    };
  }

  private replicaState() {
    return {
      runner: this.loop.runner,
      enabled: this.config.enabled,
      running: this.loop.running,
      in_flight: this.loop.inFlightCount,
      max_concurrency: this.config.maxConcurrency,
      tick_ms: this.config.tickMs,
      lease_ms: this.config.leaseMs,
      ...this.loop.stats,
    };
  }

  private async healthOfScheduler() {
    const [lag, dlqPending, tasks] = await Promise.all([this.claims.lagSeconds(), this.dlq.countPendingAll(), this.claims.countByStatus()]);
    return { ...this.replicaState(), lag_seconds: lag, dlq_pending: dlqPending, tasks };
  }

  private async healthOfCleanup() {
    const jobs = await this.jobs.status();
    return {
      interval_ms: this.config.cleanupIntervalMs,
      failures: jobs.reduce((n, j) => n + j.failures, 0),
      jobs: Object.fromEntries(jobs.map(({ name, ...rest }) => [name, rest])),
    };
  }
}
