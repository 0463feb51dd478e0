import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One cluster-wide background job (cleanup). A replica claims the row with a
 * lease before running the job, so each interval it runs on one replica only.
 * Deliberately not organization-scoped: the jobs work across organizations.
 */
@Entity({ name: 'scheduler_jobs' })
export class SchedulerJob {
  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ type: 'timestamptz', name: 'next_run_at' })
  nextRunAt: Date;

  @Column({ type: 'text', name: 'locked_by', nullable: true })
  lockedBy: string | null;

  @Column({ type: 'timestamptz', name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @Column({ type: 'timestamptz', name: 'last_started_at', nullable: true })
  lastStartedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'last_run_at', nullable: true })
  lastRunAt: Date | null;

  @Column({ type: 'integer', name: 'last_duration_ms', nullable: true })
  lastDurationMs: number | null;

  @Column({ type: 'integer', name: 'last_count', nullable: true })
  lastCount: number | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError: string | null;

  @Column({ type: 'text', name: 'last_runner', nullable: true })
  lastRunner: string | null;

  @Column({ type: 'integer', default: 0 })
  runs: number;

  @Column({ type: 'integer', default: 0 })
  failures: number;
}
