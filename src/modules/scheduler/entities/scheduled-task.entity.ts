import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const SCHEDULE_TYPES = ['cron', 'interval', 'once'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

export const TASK_STATUSES = ['active', 'paused', 'running', 'completed', 'cancelled', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * A prompt sent into a session (`chat_id`) on a schedule. A replica that claims
 * a due task sets status `running`, a fresh `claim_token` and a lease
 * (`locked_by`, `locked_until`) it renews while the run goes on; a task whose
 * lease expired while `running` is reclaimed by any replica (attempt + 1).
 */
@Entity({ name: 'scheduled_tasks' })
@Index('scheduled_tasks_status_next_run_idx', ['status', 'nextRun'])
@Index('scheduled_tasks_org_chat_idx', ['organizationId', 'chatId'])
export class ScheduledTask {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('scheduled_tasks_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  /** The session key (`agent:<agentId>:<name>`) the prompt is sent into. */
  @Column({ type: 'text', name: 'chat_id' })
  chatId: string;

  @Column({ type: 'text' })
  prompt: string;

  @Column({ type: 'text', name: 'schedule_type' })
  scheduleType: ScheduleType;

  @Column({ type: 'text', name: 'schedule_value' })
  scheduleValue: string;

  /** IANA time zone of cron expressions and of `once` times written without an offset. */
  @Column({ type: 'text', default: 'UTC' })
  timezone: string;

  /** Next due time; null once the task is completed, cancelled or failed for good. */
  @Column({ type: 'timestamptz', name: 'next_run', nullable: true })
  nextRun: Date | null;

  @Column({ type: 'text', default: 'active' })
  status: TaskStatus;

  @Column({ type: 'integer', name: 'run_count', default: 0 })
  runCount: number;

  @Column({ type: 'integer', name: 'max_runs', nullable: true })
  maxRuns: number | null;

  @Column({ type: 'timestamptz', name: 'not_after', nullable: true })
  notAfter: Date | null;

  @Column({ type: 'timestamptz', name: 'last_run', nullable: true })
  lastRun: Date | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError: string | null;

  /** Replica holding the claim. */
  @Column({ type: 'text', name: 'locked_by', nullable: true })
  lockedBy: string | null;

  @Column({ type: 'timestamptz', name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** Fences writes of the claim holder: a reclaim issues a new token. */
  @Column({ type: 'uuid', name: 'claim_token', nullable: true })
  claimToken: string | null;

  /** When the current claim was taken (start of the current attempt). */
  @Column({ type: 'timestamptz', name: 'claimed_at', nullable: true })
  claimedAt: Date | null;

  /** Due time of the occurrence being run (kept across reclaims). */
  @Column({ type: 'timestamptz', name: 'current_due_at', nullable: true })
  currentDueAt: Date | null;

  /** Attempt of the current occurrence: 1 on the first claim, + 1 per reclaim. */
  @Column({ type: 'integer', default: 0 })
  attempt: number;

  /** Run id of the current attempt, once started. */
  @Column({ type: 'text', name: 'current_run_id', nullable: true })
  currentRunId: string | null;

  /** The DLQ entry whose replay queued the next run (recoverability links). */
  @Column({ type: 'uuid', name: 'replay_of', nullable: true })
  replayOf: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
