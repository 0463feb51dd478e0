import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DLQ_STATUSES = ['pending', 'replayed', 'discarded'] as const;
export type DlqStatus = (typeof DLQ_STATUSES)[number];

/** A failed scheduled run, kept until an operator (or auto-replay) replays or discards it. */
@Entity({ name: 'task_dlq' })
@Index('task_dlq_org_chat_status_idx', ['organizationId', 'chatId', 'status', 'failedAt'])
@Index('task_dlq_org_task_idx', ['organizationId', 'taskId'])
@Index('task_dlq_status_idx', ['status'])
export class TaskDlqEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('task_dlq_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'uuid', name: 'task_id' })
  taskId: string;

  @Column({ type: 'text', name: 'chat_id' })
  chatId: string;

  /** The task run that failed. */
  @Column({ type: 'uuid', name: 'task_run_id', nullable: true })
  taskRunId: string | null;

  @Column({ type: 'timestamptz', name: 'failed_at' })
  failedAt: Date;

  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt: Date;

  @Column({ type: 'timestamptz', name: 'finished_at' })
  finishedAt: Date;

  @Column({ type: 'integer', name: 'duration_ms' })
  durationMs: number;

  @Column({ type: 'text', name: 'error_summary' })
  errorSummary: string;

  @Column({ type: 'text', default: 'pending' })
  status: DlqStatus;

  @Column({ type: 'timestamptz', name: 'replayed_at', nullable: true })
  replayedAt: Date | null;

  @Column({ type: 'text', name: 'replay_note', nullable: true })
  replayNote: string | null;

  /** Replays already made in this failure chain before this entry (0 for a first failure). */
  @Column({ type: 'integer', name: 'replay_attempts', default: 0 })
  replayAttempts: number;
}
