import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SchedulerJob } from '../entities/scheduler-job.entity';
import { fromRaw, returnedRows } from './raw-rows';

/** Leases of cluster-wide jobs (cleanup): one replica runs each job per interval. */
@Injectable()
export class JobsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Creates the rows of jobs that have none yet, due at once. */
  async ensure(names: string[]): Promise<void> {
    if (!names.length) return;
    await this.ds.query(
      `INSERT INTO scheduler_jobs (name, next_run_at) SELECT unnest($1::text[]), now() ON CONFLICT (name) DO NOTHING`,
      [names],
    );
  }

  /** Claims the due jobs among `names` that nobody holds. `force` ignores next_run_at (run now). */
  async claim(names: string[], runner: string, leaseMs: number, force = false): Promise<string[]> {
    const result = await this.ds.query(
      `UPDATE scheduler_jobs
          SET locked_by = $2, locked_until = now() + ($3::int * interval '1 millisecond'), last_started_at = now()
        WHERE name = ANY($1::text[])
          AND ($4::boolean OR next_run_at <= now())
          AND (locked_until IS NULL OR locked_until < now())
        RETURNING name`,
      [names, runner, leaseMs, force],
    );
    return returnedRows(result).map((r) => r.name as string);
  }

  async finish(name: string, runner: string, outcome: { count: number | null; error: string | null; durationMs: number; intervalMs: number }): Promise<void> {
    await this.ds.query(
      `UPDATE scheduler_jobs
          SET locked_by = NULL, locked_until = NULL, last_run_at = now(), last_runner = $2,
              last_count = $3, last_error = $4, last_duration_ms = $5,
              next_run_at = now() + ($6::int * interval '1 millisecond'),
              runs = runs + 1, failures = failures + CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END
        WHERE name = $1 AND locked_by = $2`,
      [name, runner, outcome.count, outcome.error, outcome.durationMs, outcome.intervalMs],
    );
  }

  async all(): Promise<SchedulerJob[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(`SELECT * FROM scheduler_jobs ORDER BY name`);
    return rows.map((r) => fromRaw(this.ds, SchedulerJob, r));
  }
}
