import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthContributors } from '../health/health-contributors';
import { RunExecutor } from './run-executor';
import { SessionsRepository } from '../sessions/sessions.repository';
import { RunsRepository } from './runs.repository';

/**
 * Adds `runs: {running, queued, executing_here}` (queue depth) and
 * `sessions: {total, active_last_hour}` to GET /api/health.
 */
@Injectable()
export class RuntimeHealth implements OnModuleInit {
  constructor(
    private readonly contributors: HealthContributors,
    private readonly runs: RunsRepository,
    private readonly sessions: SessionsRepository,
    private readonly executor: RunExecutor,
  ) {}

  onModuleInit(): void {
    this.contributors.register('runs', async () => {
      const counts = await this.runs.countByStatusAcrossOrganizations();
      return {
        running: counts.running ?? 0,
        queued: counts.queued ?? 0,
        executing_here: this.executor.activeCount,
      };
    });
    this.contributors.register('sessions', () => this.sessions.countsAcrossOrganizations());
  }
}
