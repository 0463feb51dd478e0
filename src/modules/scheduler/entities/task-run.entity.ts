import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const TASK_RUN_STATUSES = ['succeeded', 'failed', 'timed_out', 'aborted', 'interrupted'] as const;
export type TaskRunStatus = (typeof TASK_RUN_STATUSES)[number];

/**
 * The log of one attempt at a scheduled task: one row per finished run, plus an
 * `interrupted` row when a reclaim finds that the previous holder died.
 * `recovered_by` points at the later run (reclaim or DLQ replay) that succeeded.
 */
@Entity({ name: 'task_runs' })
@Index('task_runs_org_task_started_idx', ['organizationId', 'taskId', 'startedAt'])
@Index('task_runs_due_at_idx', ['dueAt'])
@Index('task_runs_task_due_idx', ['taskId', 'dueAt'])
@Index('task_runs_finished_at_idx', ['finishedAt'])
export class TaskRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('task_runs_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'uuid', name: 'task_id' })
  taskId: string;

  @Column({ type: 'text', name: 'chat_id' })
  chatId: string;

  /** When the occurrence fell due (the task's next_run when it was first claimed). */
  @Column({ type: 'timestamptz', name: 'due_at' })
  dueAt: Date;

  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt: Date;

  @Column({ type: 'timestamptz', name: 'finished_at' })
  finishedAt: Date;

  @Column({ type: 'integer', name: 'duration_ms' })
  durationMs: number;

  @Column({ type: 'boolean' })
  success: boolean;

  @Column({ type: 'text' })
  status: TaskRunStatus;

  /** Start of the assistant's answer, or the status. */
  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'text', name: 'run_id', nullable: true })
  runId: string | null;

  @Column({ type: 'integer', default: 1 })
  attempt: number;

  /** Set when this run was queued by a DLQ replay. */
  @Column({ type: 'uuid', name: 'replay_of', nullable: true })
  replayOf: string | null;

  /** The later task run that succeeded where this one failed or was interrupted. */
  @Column({ type: 'uuid', name: 'recovered_by', nullable: true })
  recoveredBy: string | null;

  /** Replica that ran it. */
  @Column({ type: 'text', name: 'runner', nullable: true })
  runner: string | null;
}
