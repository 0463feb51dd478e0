import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../../auth/services/audit.service';
import { parseSessionKey } from '../../sessions/session-key';
import { DlqStatus, TaskDlqEntry } from '../entities/task-dlq-entry.entity';
import { DlqRepository } from '../repositories/dlq.repository';
import { TasksRepository } from '../repositories/tasks.repository';
import { SchedulerErrors } from '../scheduler.errors';
import { SchedulerMetrics } from './scheduler-metrics';

export type ReplayTrigger = 'operator' | 'tool' | 'auto';

export interface ReplayRequest {
  chatId: string;
  taskId?: string;
  limit?: number;
}

export interface ReplayItem {
  dlq_id: string;
  task_id: string;
  note: string;
}

export interface ReplayResult {
  replayed: ReplayItem[];
  skipped: ReplayItem[];
}

export const DEFAULT_REPLAY_LIMIT = 50;
export const MAX_REPLAY_LIMIT = 500;

/**
 * The dead-letter queue: listing and replay. A replay re-queues each entry's
 * task with an immediate next_run and marks the entry `replayed` with the note
 * `queued`; when the task cannot run again (deleted, cancelled, completed) the
 * entry is marked `replayed` with `skipped: <reason>`. Entries of a paused or
 * currently running task stay `pending` (noted) so a later replay picks them up.
 */
@Injectable()
export class DlqService {
  private readonly logger = new Logger('Scheduler');
  private readonly queuedListeners: (() => void)[] = [];

  constructor(
    private readonly dlq: DlqRepository,
    private readonly tasks: TasksRepository,
    private readonly audit: AuditService,
    private readonly metrics: SchedulerMetrics,
  ) {}

  /** Called after a replay queued at least one task (the loop wakes up). */
  onQueued(listener: () => void): void {
    this.queuedListeners.push(listener);
  }

  list(filter: { chatId?: string; taskId?: string; status?: DlqStatus; limit: number; offset: number }): Promise<[TaskDlqEntry[], number]> {
    return this.dlq.list({ ...filter, chatId: filter.chatId ? normalizeChatId(filter.chatId) : undefined });
  }

  async replay(request: ReplayRequest, trigger: ReplayTrigger = 'operator'): Promise<ReplayResult> {
    const chatId = normalizeChatId(request.chatId);
    const limit = request.limit ?? DEFAULT_REPLAY_LIMIT;
    const entries = await this.dlq.pendingForReplay(chatId, request.taskId, limit);
    const result: ReplayResult = { replayed: [], skipped: [] };
    for (const entry of entries) {
      const item = await this.replayEntry(entry, new Date());
      if (!item) continue; // settled concurrently by another replay
      (item.note === 'queued' ? result.replayed : result.skipped).push(item);
      this.metrics.replays.inc({ result: item.note === 'queued' ? 'queued' : 'skipped', trigger });
    }
    await this.audit.record({
      action: 'scheduler.dlq.replay',
      target: `chat:${chatId}`,
      details: {
        trigger,
        task_id: request.taskId,
        limit,
        replayed: result.replayed.map((r) => r.dlq_id),
        skipped: result.skipped.map((r) => ({ dlq_id: r.dlq_id, note: r.note })),
      },
    });
    if (result.replayed.length) this.notifyQueued();
    return result;
  }

  /**
   * Automatic replay of a fresh DLQ entry (SCHEDULER_AUTO_REPLAY_ATTEMPTS): the
   * task is due again after `delayMs`. Runs in the entry's organization context.
   */
  async autoReplay(entry: TaskDlqEntry, delayMs: number): Promise<ReplayItem | null> {
    const item = await this.replayEntry(entry, new Date(Date.now() + delayMs));
    if (!item) return null;
    this.metrics.replays.inc({ result: item.note === 'queued' ? 'queued' : 'skipped', trigger: 'auto' });
    await this.audit.record({
      action: 'scheduler.dlq.auto_replay',
      target: `task:${entry.taskId}`,
      details: { dlq_id: entry.id, note: item.note, replay_attempt: entry.replayAttempts + 1, delay_ms: delayMs },
    });
    this.logger.log(`auto-replay of DLQ entry ${entry.id} (task ${entry.taskId}, attempt ${entry.replayAttempts + 1}): ${item.note}`);
    if (item.note === 'queued') this.notifyQueued();
    return item;
  }

  private async replayEntry(entry: TaskDlqEntry, dueAt: Date): Promise<ReplayItem | null> {
    const task = await this.tasks.findById(entry.taskId);
    const settle = async (note: string) => ((await this.dlq.settle(entry.id, 'replayed', note)) ? { dlq_id: entry.id, task_id: entry.taskId, note } : null);
    const leavePending = async (note: string) => {
      await this.dlq.annotate(entry.id, note);
      return { dlq_id: entry.id, task_id: entry.taskId, note };
    };
    if (!task) return settle('skipped: task deleted');
    switch (task.status) {
      case 'cancelled':
        return settle('skipped: task cancelled');
      case 'completed':
        return settle('skipped: task completed');
      case 'paused':
        return leavePending('skipped: task paused (resume it, then replay)');
      case 'running':
        return leavePending('skipped: task is running now (replay again once it finishes)');
    }
    // the entry is settled before the task can run, so the replay run is always claimed after
    // replayed_at (both database time): that is how a successful replay finds what it recovered
    const item = await settle('queued');
    if (!item) return null;
    const queued = await this.tasks.requeueForReplay(task.id, entry.id, dueAt);
    if (!queued) {
      const now = await this.tasks.findById(task.id);
      const note = `skipped: task changed state while replaying (now ${now?.status ?? 'deleted'}); try again`;
      await this.dlq.reopen(entry.id, note);
      return { ...item, note };
    }
    return item;
  }

  private notifyQueued(): void {
    for (const listener of this.queuedListeners) {
      try {
        listener();
      } catch {
        /* a listener never breaks a replay */
      }
    }
  }
}

/** `chat_id` is a session key; a bare name means `agent:main:<name>` (as everywhere else). */
export function normalizeChatId(chatId: string): string {
  try {
    return parseSessionKey(chatId).key;
  } catch (err) {
    throw SchedulerErrors.invalidField('chat_id', 'INVALID_SESSION_KEY', (err as Error).message);
  }
}

