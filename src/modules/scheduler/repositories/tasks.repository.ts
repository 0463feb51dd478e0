import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { ScheduledTask, TaskStatus } from '../entities/scheduled-task.entity';
import { fromRaw, returnedRows } from './raw-rows';

export interface TaskListFilter {
  chatId?: string;
  status?: TaskStatus;
  limit: number;
  offset: number;
}

/** Scheduled tasks of the current organization (CRUD and state changes). */
@Injectable()
export class TasksRepository {
  private readonly repo: Repository<ScheduledTask>;

  constructor(@InjectDataSource() private readonly ds: DataSource) {
    this.repo = ds.getRepository(ScheduledTask);
  }

  insert(values: Partial<ScheduledTask>): Promise<ScheduledTask> {
    return this.repo.save(this.repo.create({ ...values, organizationId: RequestContext.organizationId() }));
  }

  findById(id: string): Promise<ScheduledTask | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  list(filter: TaskListFilter): Promise<[ScheduledTask[], number]> {
    const where: FindOptionsWhere<ScheduledTask> = { organizationId: RequestContext.organizationId() };
    if (filter.chatId) where.chatId = filter.chatId;
    if (filter.status) where.status = filter.status;
    return this.repo.findAndCount({ where, order: { createdAt: 'DESC', id: 'ASC' }, take: filter.limit, skip: filter.offset });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id, organizationId: RequestContext.organizationId() });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Moves a task to `to` when its status is one of `from` (atomic, so two
   * concurrent changes cannot both win); null when the task was not in `from`.
   * `nextRun: 'keep'` leaves next_run alone.
   */
  async transition(id: string, from: readonly TaskStatus[], to: TaskStatus, nextRun: Date | null | 'keep'): Promise<ScheduledTask | null> {
    const result = await this.ds.query(
      `UPDATE scheduled_tasks
          SET status = $4,
              next_run = CASE WHEN $5::boolean THEN next_run ELSE $6::timestamptz END,
              updated_at = now()
        WHERE id = $1 AND organization_id = $2 AND status = ANY($3::text[])
        RETURNING *`,
      [id, RequestContext.organizationId(), from, to, nextRun === 'keep', nextRun === 'keep' ? null : nextRun],
    );
    const row = returnedRows(result)[0];
    return row ? fromRaw(this.ds, ScheduledTask, row) : null;
  }

  /**
   * Re-queues a task for a DLQ replay: due at `dueAt`, remembering the entry.
   * Applies to active tasks and to tasks whose last run failed for good
   * (`failed`); null when the task is in another state.
   */
  async requeueForReplay(id: string, dlqId: string, dueAt: Date): Promise<ScheduledTask | null> {
    const result = await this.ds.query(
      `UPDATE scheduled_tasks
          SET status = 'active',
              next_run = CASE WHEN status = 'active' AND next_run IS NOT NULL THEN LEAST(next_run, $4) ELSE $4 END,
              replay_of = COALESCE(replay_of, $3::uuid), updated_at = now()
        WHERE id = $1 AND organization_id = $2 AND status IN ('active', 'failed')
        RETURNING *`,
      [id, RequestContext.organizationId(), dlqId, dueAt],
    );
    const row = returnedRows(result)[0];
    return row ? fromRaw(this.ds, ScheduledTask, row) : null;
  }
}
