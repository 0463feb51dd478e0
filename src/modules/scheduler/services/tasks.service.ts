import { Injectable, Logger } from '@nestjs/common';
import { AppException } from '../../../common/errors/app-exception';
import { AgentsService } from '../../agents/agents.service';
import { AuditService } from '../../auth/services/audit.service';
import { RunsService } from '../../runtime/runs.service';
import { parseSessionKey } from '../../sessions/session-key';
import { ScheduledTask, ScheduleType, TaskStatus } from '../entities/scheduled-task.entity';
import { TaskRun } from '../entities/task-run.entity';
import { TaskRunsRepository } from '../repositories/task-runs.repository';
import { TasksRepository } from '../repositories/tasks.repository';
import { firstRun, validateTimeZone } from '../schedule/schedule';
import { SchedulerErrors } from '../scheduler.errors';

export interface NewTask {
  chatId: string;
  prompt: string;
  scheduleType: ScheduleType;
  scheduleValue: string;
  timezone?: string;
  maxRuns?: number;
  notAfter?: string;
}

/** Allowed source states of each operator action. */
export const TRANSITIONS = {
  pause: ['active', 'running'],
  resume: ['paused'],
  cancel: ['active', 'paused', 'running', 'failed'],
} as const satisfies Record<string, readonly TaskStatus[]>;

export type TaskAction = keyof typeof TRANSITIONS;

/** Scheduled tasks of the current organization: create, read, pause/resume/cancel, delete. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger('Scheduler');
  private readonly createdListeners: (() => void)[] = [];

  constructor(
    private readonly tasks: TasksRepository,
    private readonly taskRuns: TaskRunsRepository,
    private readonly agents: AgentsService,
    private readonly runs: RunsService,
    private readonly audit: AuditService,
  ) {}

  /** Called when a task became due sooner than the next tick would notice (the loop wakes up). */
  onChanged(listener: () => void): void {
    this.createdListeners.push(listener);
  }

  async create(input: NewTask): Promise<ScheduledTask> {
    const chat = this.parseChat(input.chatId);
    await this.requireAgent(chat.agentId, chat.key);
    const timezone = validateTimeZone(input.timezone ?? 'UTC');
    const now = new Date();
    const nextRun = firstRun({ type: input.scheduleType, value: input.scheduleValue, timezone }, now);
    let notAfter: Date | null = null;
    if (input.notAfter !== undefined) {
      notAfter = new Date(input.notAfter);
      if (!Number.isFinite(notAfter.getTime())) throw SchedulerErrors.invalidField('not_after', 'INVALID_NOT_AFTER', 'must be an ISO 8601 time');
      if (notAfter.getTime() <= now.getTime()) throw SchedulerErrors.invalidField('not_after', 'INVALID_NOT_AFTER', 'is in the past');
      if (nextRun.getTime() > notAfter.getTime()) {
        throw SchedulerErrors.invalidField('not_after', 'INVALID_NOT_AFTER', `is before the first run (${nextRun.toISOString()}): the task would never run`);
      }
    }
    const task = await this.tasks.insert({
      chatId: chat.key,
      prompt: input.prompt,
      scheduleType: input.scheduleType,
      scheduleValue: input.scheduleValue.trim(),
      timezone,
      nextRun,
      status: 'active',
      runCount: 0,
      maxRuns: input.maxRuns ?? null,
      notAfter,
    });
    await this.audit.record({
      action: 'scheduler.task.create',
      target: `task:${task.id}`,
      details: { chat_id: task.chatId, schedule_type: task.scheduleType, schedule_value: task.scheduleValue, timezone },
    });
    if (nextRun.getTime() <= Date.now() + 1000) this.notifyChanged();
    return task;
  }

  list(filter: { chatId?: string; status?: TaskStatus; limit: number; offset: number }): Promise<[ScheduledTask[], number]> {
    return this.tasks.list({ ...filter, chatId: filter.chatId ? this.parseChat(filter.chatId).key : undefined });
  }

  async get(id: string): Promise<ScheduledTask> {
    const task = await this.tasks.findById(id);
    if (!task) throw SchedulerErrors.taskNotFound(id);
    return task;
  }

  async runsOf(id: string, limit: number, offset: number): Promise<[TaskRun[], number]> {
    await this.get(id);
    return this.taskRuns.listForTask(id, limit, offset);
  }

  async pause(id: string): Promise<ScheduledTask> {
    return this.apply(id, 'pause', 'paused', 'keep');
  }

  /** A paused task whose due time passed meanwhile runs once right away (missed-run policy). */
  async resume(id: string): Promise<ScheduledTask> {
    const task = await this.apply(id, 'resume', 'active', 'keep');
    if (task.nextRun && task.nextRun.getTime() <= Date.now() + 1000) this.notifyChanged();
    return task;
  }

  /** Cancels for good; a run in progress is aborted. */
  async cancel(id: string): Promise<ScheduledTask> {
    const before = await this.get(id);
    const task = await this.apply(id, 'cancel', 'cancelled', null);
    if (before.status === 'running') await this.abortRun(before);
    return task;
  }

  async delete(id: string): Promise<{ deleted: boolean }> {
    const task = await this.get(id);
    const deleted = await this.tasks.delete(id);
    if (deleted) {
      if (task.status === 'running') await this.abortRun(task);
      await this.audit.record({ action: 'scheduler.task.delete', target: `task:${id}`, details: { chat_id: task.chatId } });
    }
    return { deleted };
  }

  private async apply(id: string, action: TaskAction, to: TaskStatus, nextRun: Date | null | 'keep'): Promise<ScheduledTask> {
    const from = TRANSITIONS[action];
    const updated = await this.tasks.transition(id, from, to, nextRun);
    if (!updated) {
      const current = await this.get(id);
      throw SchedulerErrors.stateConflict(id, current.status, action, from);
    }
    await this.audit.record({ action: `scheduler.task.${action}`, target: `task:${id}`, details: { chat_id: updated.chatId } });
    return updated;
  }

  private async abortRun(task: ScheduledTask): Promise<void> {
    const current = await this.tasks.findById(task.id);
    const runId = current?.currentRunId ?? task.currentRunId;
    if (!runId) return;
    try {
      await this.runs.abort(task.chatId, runId);
    } catch (err) {
      this.logger.warn(`task ${task.id}: could not abort its run ${runId}: ${(err as Error).message}`);
    }
  }

  private parseChat(chatId: string) {
    try {
      return parseSessionKey(chatId);
    } catch (err) {
      throw SchedulerErrors.invalidField('chat_id', 'INVALID_SESSION_KEY', (err as Error).message);
    }
  }

  private async requireAgent(agentId: string, key: string): Promise<void> {
    try {
      await this.agents.get(agentId);
    } catch (err) {
      if (err instanceof AppException && err.getStatus() === 404) {
        throw SchedulerErrors.invalidField('chat_id', 'AGENT_NOT_FOUND', `session '${key}' belongs to agent '${agentId}', which does not exist`);
      }
      throw err;
    }
  }

  private notifyChanged(): void {
    for (const listener of this.createdListeners) {
      try {
        listener();
      } catch {
        /* never breaks the request */
      }
    }
  }
}
