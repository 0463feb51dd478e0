import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SCHEDULE_TYPES, ScheduledTask, TASK_STATUSES } from '../entities/scheduled-task.entity';
import { DLQ_STATUSES, TaskDlqEntry } from '../entities/task-dlq-entry.entity';
import { TASK_RUN_STATUSES, TaskRun } from '../entities/task-run.entity';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export class TaskView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'agent:main:main' }) chat_id: string;
  @ApiProperty() prompt: string;
  @ApiProperty({ enum: SCHEDULE_TYPES }) schedule_type: string;
  @ApiProperty() schedule_value: string;
  @ApiProperty({ example: 'UTC' }) timezone: string;
  @ApiPropertyOptional({ nullable: true }) next_run: string | null;
  @ApiProperty({ enum: TASK_STATUSES }) status: string;
  @ApiProperty() run_count: number;
  @ApiPropertyOptional({ nullable: true }) max_runs: number | null;
  @ApiPropertyOptional({ nullable: true }) not_after: string | null;
  @ApiPropertyOptional({ nullable: true }) last_run: string | null;
  @ApiPropertyOptional({ nullable: true }) last_error: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Replica holding the claim while running' }) locked_by: string | null;
  @ApiPropertyOptional({ nullable: true }) locked_until: string | null;
  @ApiProperty({ description: 'Attempt of the current or last occurrence (reclaims add one)' }) attempt: number;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export function taskView(t: ScheduledTask): TaskView {
  return {
    id: t.id,
    chat_id: t.chatId,
    prompt: t.prompt,
    schedule_type: t.scheduleType,
    schedule_value: t.scheduleValue,
    timezone: t.timezone,
    next_run: iso(t.nextRun),
    status: t.status,
    run_count: t.runCount,
    max_runs: t.maxRuns,
    not_after: iso(t.notAfter),
    last_run: iso(t.lastRun),
    last_error: t.lastError,
    locked_by: t.lockedBy,
    locked_until: iso(t.lockedUntil),
    attempt: t.attempt,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export class TaskRunView {
  @ApiProperty() id: string;
  @ApiProperty() task_id: string;
  @ApiProperty() chat_id: string;
  @ApiProperty() due_at: string;
  @ApiProperty() started_at: string;
  @ApiProperty() finished_at: string;
  @ApiProperty() duration_ms: number;
  @ApiProperty() success: boolean;
  @ApiProperty({ enum: TASK_RUN_STATUSES }) status: string;
  @ApiPropertyOptional({ nullable: true }) summary: string | null;
  @ApiPropertyOptional({ nullable: true }) error: string | null;
  @ApiPropertyOptional({ nullable: true }) run_id: string | null;
  @ApiProperty() attempt: number;
  @ApiPropertyOptional({ nullable: true, description: 'DLQ entry whose replay queued this run' }) replay_of: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Later run that succeeded where this one failed' }) recovered_by: string | null;
  @ApiPropertyOptional({ nullable: true }) runner: string | null;
}

export function taskRunView(r: TaskRun): TaskRunView {
  return {
    id: r.id,
    task_id: r.taskId,
    chat_id: r.chatId,
    due_at: r.dueAt.toISOString(),
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt.toISOString(),
    duration_ms: r.durationMs,
    success: r.success,
    status: r.status,
    summary: r.summary,
    error: r.error,
    run_id: r.runId,
    attempt: r.attempt,
    replay_of: r.replayOf,
    recovered_by: r.recoveredBy,
    runner: r.runner,
  };
}

export class DlqEntryView {
  @ApiProperty() id: string;
  @ApiProperty() task_id: string;
  @ApiProperty() chat_id: string;
  @ApiPropertyOptional({ nullable: true }) task_run_id: string | null;
  @ApiProperty() failed_at: string;
  @ApiProperty() started_at: string;
  @ApiProperty() finished_at: string;
  @ApiProperty() duration_ms: number;
  @ApiProperty() error_summary: string;
  @ApiProperty({ enum: DLQ_STATUSES }) status: string;
  @ApiPropertyOptional({ nullable: true }) replayed_at: string | null;
  @ApiPropertyOptional({ nullable: true, example: 'queued' }) replay_note: string | null;
  @ApiProperty({ description: 'Replays already made in this failure chain before this entry' }) replay_attempts: number;
}

export function dlqEntryView(e: TaskDlqEntry): DlqEntryView {
  return {
    id: e.id,
    task_id: e.taskId,
    chat_id: e.chatId,
    task_run_id: e.taskRunId,
    failed_at: e.failedAt.toISOString(),
    started_at: e.startedAt.toISOString(),
    finished_at: e.finishedAt.toISOString(),
    duration_ms: e.durationMs,
    error_summary: e.errorSummary,
    status: e.status,
    replayed_at: iso(e.replayedAt),
    replay_note: e.replayNote,
    replay_attempts: e.replayAttempts,
  };
}

export class ReplayItemView {
  @ApiProperty() dlq_id: string;
  @ApiProperty() task_id: string;
  @ApiProperty({ example: 'queued', description: '`queued` or `skipped: <reason>`' }) note: string;
}

export class ReplayResultView {
  @ApiProperty({ type: [ReplayItemView] }) replayed: ReplayItemView[];
  @ApiProperty({ type: [ReplayItemView] }) skipped: ReplayItemView[];
}
