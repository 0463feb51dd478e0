import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ScheduledTask, TaskStatus } from '../entities/scheduled-task.entity';
import { TaskDlqEntry } from '../entities/task-dlq-entry.entity';
import { TaskRun, TaskRunStatus } from '../entities/task-run.entity';
import { DlqRepository } from '../repositories/dlq.repository';
import { ClaimedTask, TaskClaimsRepository } from '../repositories/task-claims.repository';
import { TaskRunsRepository } from '../repositories/task-runs.repository';
import { nextRunAfter } from '../schedule/schedule';
import { SchedulerMetrics } from './scheduler-metrics';

/** How one attempt at a task ended. */
export interface AttemptOutcome {
  status: Exclude<TaskRunStatus, 'interrupted'>;
  runId: string | null;
  summary: string | null;
  error: string | null;
  startedAt: Date;
}

export interface RecordedOutcome {
  run: TaskRun;
  /** False when this replica had lost the claim (the task row was left to the new holder). */
  applied: boolean;
  dlqEntry: TaskDlqEntry | null;
  taskStatus: TaskStatus;
}

const MAX_TEXT = 2000;

export function clip(text: string | null | undefined, max = MAX_TEXT): string | null {
  if (text === null || text === undefined) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Writes what an attempt produced, in one short transaction: the run log row,
 * the DLQ entry of a failure, the task's next state (fenced by the claim token)
 * and, on success, the links from earlier failures it recovered.
 */
@Injectable()
export class TaskOutcomes {
  private readonly logger = new Logger('Scheduler');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly claims: TaskClaimsRepository,
    private readonly runs: TaskRunsRepository,
    private readonly dlq: DlqRepository,
    private readonly metrics: SchedulerMetrics,
  ) {}

  /** The previous holder of a reclaimed task died or stalled: log its attempt as interrupted. */
  async recordInterrupted(claim: ClaimedTask, runner: string, now = new Date()): Promise<TaskRun> {
    const t = claim.task;
    const startedAt = claim.previousClaimedAt ?? now;
    const run = await this.runs.insert(this.ds.manager, {
      organizationId: t.organizationId,
      taskId: t.id,
      chatId: t.chatId,
      dueAt: t.currentDueAt ?? now,
      startedAt,
      finishedAt: now,
      durationMs: Math.max(0, now.getTime() - startedAt.getTime()),
      success: false,
      status: 'interrupted',
      summary: null,
      error: `runner ${claim.previousRunner ?? 'unknown'} stopped renewing its lease (process died or stalled); reclaimed by ${runner}`,
      runId: t.currentRunId,
      attempt: Math.max(1, t.attempt - 1),
      replayOf: t.replayOf,
      runner: claim.previousRunner,
    });
    this.metrics.runs.inc({ outcome: 'interrupted' });
    return run;
  }

  async record(claim: ClaimedTask, runner: string, outcome: AttemptOutcome, now = new Date()): Promise<RecordedOutcome> {
    const t = claim.task;
    const success = outcome.status === 'succeeded';
    const dueAt = t.currentDueAt ?? outcome.startedAt;
    const { status, nextRun } = nextState(t, dueAt, success, now);
    const result = await this.ds.transaction(async (em) => {
      const applied = await this.claims.finish(em, t.id, t.claimToken!, {
        status,
        nextRun,
        lastRun: outcome.startedAt,
        lastError: success ? null : clip(outcome.error, 500),
      });
      const run = await this.runs.insert(em, {
        organizationId: t.organizationId,
        taskId: t.id,
        chatId: t.chatId,
        dueAt,
        startedAt: outcome.startedAt,
        finishedAt: now,
        durationMs: Math.max(0, now.getTime() - outcome.startedAt.getTime()),
        success,
        status: outcome.status,
        summary: clip(outcome.summary, 500),
        error: success ? null : clip(outcome.error),
        runId: outcome.runId,
        attempt: Math.max(1, t.attempt),
        replayOf: t.replayOf,
        runner,
      });
      let dlqEntry: TaskDlqEntry | null = null;
      if (!success && applied) {
        const previous = t.replayOf ? await em.getRepository(TaskDlqEntry).findOne({ where: { id: t.replayOf } }) : null;
        dlqEntry = await this.dlq.insert(em, {
          organizationId: t.organizationId,
          taskId: t.id,
          chatId: t.chatId,
          taskRunId: run.id,
          failedAt: now,
          startedAt: outcome.startedAt,
          finishedAt: now,
          durationMs: run.durationMs,
          errorSummary: clip(outcome.error, 500) ?? outcome.status,
          status: 'pending',
          replayedAt: null,
          replayNote: null,
          replayAttempts: previous ? previous.replayAttempts + 1 : 0,
        });
      }
      // only a reclaim (attempt > 1) or a replay run can recover earlier failures
      if (success && (t.attempt > 1 || t.replayOf)) await this.runs.markRecovered(em, run, t.claimedAt ?? outcome.startedAt);
      return { run, applied, dlqEntry, taskStatus: status };
    });
    this.metrics.runs.inc({ outcome: outcome.status === 'aborted' ? 'failed' : outcome.status });
    if (!result.applied) {
      this.logger.warn(`task ${t.id}: claim was lost while it ran (lease expired); its run was logged, the task left to the new holder`);
    }
    return result;
  }
}

/** The task's status and next due time after an attempt ending at `now`. */
export function nextState(t: ScheduledTask, dueAt: Date, success: boolean, now: Date): { status: TaskStatus; nextRun: Date | null } {
  let nextRun: Date | null;
  try {
    nextRun = nextRunAfter({ type: t.scheduleType, value: t.scheduleValue, timezone: t.timezone }, dueAt, now);
  } catch {
    nextRun = null; // a schedule that no longer parses (time zone data changed): stop rather than spin
  }
  const runCount = t.runCount + 1;
  const done =
    nextRun === null || (t.maxRuns !== null && runCount >= t.maxRuns) || (t.notAfter !== null && nextRun.getTime() > t.notAfter.getTime());
  if (done) return { status: success ? 'completed' : 'failed', nextRun: null };
  return { status: 'active', nextRun };
}
