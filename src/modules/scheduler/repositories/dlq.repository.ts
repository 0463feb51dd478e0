import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { DlqStatus, TaskDlqEntry } from '../entities/task-dlq-entry.entity';
import { fromRaw, returnedRows } from './raw-rows';

export interface DlqFilter {
  chatId?: string;
  taskId?: string;
  status?: DlqStatus;
  limit: number;
  offset: number;
}

/** Dead-letter entries of failed scheduled runs, organization-scoped unless a method says otherwise. */
@Injectable()
export class DlqRepository {
  private readonly repo: Repository<TaskDlqEntry>;

  constructor(@InjectDataSource() private readonly ds: DataSource) {
    this.repo = ds.getRepository(TaskDlqEntry);
  }

  insert(em: EntityManager, values: Omit<TaskDlqEntry, 'id'>): Promise<TaskDlqEntry> {
    const repo = em.getRepository(TaskDlqEntry);
    return repo.save(repo.create(values));
  }

  findById(id: string): Promise<TaskDlqEntry | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  list(filter: DlqFilter): Promise<[TaskDlqEntry[], number]> {
    const where: FindOptionsWhere<TaskDlqEntry> = { organizationId: RequestContext.organizationId() };
    if (filter.chatId) where.chatId = filter.chatId;
    if (filter.taskId) where.taskId = filter.taskId;
    if (filter.status) where.status = filter.status;
    return this.repo.findAndCount({ where, order: { failedAt: 'DESC', id: 'ASC' }, take: filter.limit, skip: filter.offset });
  }

  /** Pending entries of a chat (optionally one task), oldest first: the replay batch. */
  pendingForReplay(chatId: string, taskId: string | undefined, limit: number): Promise<TaskDlqEntry[]> {
    const where: FindOptionsWhere<TaskDlqEntry> = { organizationId: RequestContext.organizationId(), chatId, status: 'pending' };
    if (taskId) where.taskId = taskId;
    return this.repo.find({ where, order: { failedAt: 'ASC', id: 'ASC' }, take: limit });
  }

  /**
   * Settles a pending entry (replayed or discarded) with a note; null when it
   * was no longer pending (another replay got there first).
   */
  async settle(id: string, status: DlqStatus, note: string): Promise<TaskDlqEntry | null> {
    const result = await this.ds.query(
      `UPDATE task_dlq SET status = $3, replay_note = $4, replayed_at = now()
        WHERE id = $1 AND organization_id = $2 AND status = 'pending'
        RETURNING *`,
      [id, RequestContext.organizationId(), status, note],
    );
    const row = returnedRows(result)[0];
    return row ? fromRaw(this.ds, TaskDlqEntry, row) : null;
  }

  /** Puts a just-settled entry back to pending (its task could not be re-queued after all). */
  async reopen(id: string, note: string): Promise<void> {
    await this.ds.query(
      `UPDATE task_dlq SET status = 'pending', replayed_at = NULL, replay_note = $3 WHERE id = $1 AND organization_id = $2`,
      [id, RequestContext.organizationId(), note],
    );
  }

  /** Notes why a pending entry was left pending (e.g. its task is paused). */
  async annotate(id: string, note: string): Promise<void> {
    await this.ds.query(`UPDATE task_dlq SET replay_note = $3 WHERE id = $1 AND organization_id = $2 AND status = 'pending'`, [
      id,
      RequestContext.organizationId(),
      note,
    ]);
  }

  /** Pending entries across organizations (the scheduler_dlq_size gauge). */
  async countPendingAll(): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(`SELECT count(*) AS n FROM task_dlq WHERE status = 'pending'`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Retention: deletes settled (replayed or discarded) entries that failed before `before`. */
  async deleteSettledBefore(before: Date): Promise<number> {
    const result = await this.ds.query(`DELETE FROM task_dlq WHERE status <> 'pending' AND failed_at < $1`, [before]);
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }
}
