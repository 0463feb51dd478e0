import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { TaskRun } from '../entities/task-run.entity';
import { returnedRows } from './raw-rows';

export interface RecoverabilityCounts {
  /** Occurrences that fell due in the window and have a run log. */
  due: number;
  /** Of those, occurrences whose first attempt succeeded. */
  succeeded: number;
  /** Of those, occurrences that failed or were interrupted and later succeeded (reclaim or DLQ replay). */
  recovered: number;
}

/** The run log of scheduled tasks. */
@Injectable()
export class TaskRunsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  insert(em: EntityManager, values: Omit<TaskRun, 'id' | 'recoveredBy'>): Promise<TaskRun> {
    const repo = em.getRepository(TaskRun);
    return repo.save(repo.create({ ...values, recoveredBy: null }));
  }

  /**
   * Links earlier failures that the successful run `run` recovered:
   * interrupted or failed attempts of the same occurrence (reclaims), and failed
   * runs of the same task whose DLQ entry was replayed (`queued`) before `run` was
   * claimed (`claimedAt`: database time, as replayed_at is).
   */
  async markRecovered(em: EntityManager, run: TaskRun, claimedAt: Date): Promise<number> {
    const sameOccurrence = await em.query(
      `UPDATE task_runs SET recovered_by = $1
        WHERE task_id = $2 AND due_at = $3 AND success = false AND recovered_by IS NULL AND id <> $1`,
      [run.id, run.taskId, run.dueAt],
    );
    const replayed = await em.query(
      `UPDATE task_runs r SET recovered_by = $1
         FROM task_dlq e
        WHERE e.task_run_id = r.id AND e.task_id = $2 AND e.status = 'replayed' AND e.replay_note = 'queued'
          AND e.replayed_at <= $3 AND r.success = false AND r.recovered_by IS NULL AND r.id <> $1
        RETURNING r.task_id, r.due_at`,
      [run.id, run.taskId, claimedAt],
    );
    const recoveredRows = returnedRows(replayed);
    // an occurrence whose failure was replayed successfully is whole again: its interrupted attempts too
    for (const row of recoveredRows) {
      await em.query(
        `UPDATE task_runs SET recovered_by = $1 WHERE task_id = $2 AND due_at = $3 AND success = false AND recovered_by IS NULL`,
        [run.id, row.task_id, row.due_at],
      );
    }
    return returnedRows(sameOccurrence).length + recoveredRows.length;
  }

  listForTask(taskId: string, limit: number, offset: number): Promise<[TaskRun[], number]> {
    return this.ds.getRepository(TaskRun).findAndCount({
      where: { taskId, organizationId: RequestContext.organizationId() },
      order: { startedAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /**
   * scheduler_recoverability_7d inputs: occurrences (task_id, due_at) of
   * non-replay runs that fell due since `since`. Organization-scoped when
   * `organizationId` is given, cluster-wide otherwise.
   */
  async recoverability(since: Date, organizationId?: string): Promise<RecoverabilityCounts> {
    const rows: { due: string; succeeded: string; recovered: string }[] = await this.ds.query(
      `SELECT count(*) AS due,
              count(*) FILTER (WHERE first_ok) AS succeeded,
              count(*) FILTER (WHERE NOT first_ok AND ok) AS recovered
         FROM (
               SELECT task_id, due_at,
                      bool_or(success OR recovered_by IS NOT NULL) AS ok,
                      bool_or(success AND attempt = 1) AS first_ok
                 FROM task_runs
                WHERE due_at >= $1 AND due_at <= now() AND replay_of IS NULL
                  AND ($2::uuid IS NULL OR organization_id = $2::uuid)
                GROUP BY task_id, due_at
              ) o`,
      [since, organizationId ?? null],
    );
    const r = rows[0];
    return { due: Number(r?.due ?? 0), succeeded: Number(r?.succeeded ?? 0), recovered: Number(r?.recovered ?? 0) };
  }

  /** Retention: deletes run logs finished before `before`, across organizations. */
  async deleteFinishedBefore(before: Date): Promise<number> {
    const result = await this.ds.query(`DELETE FROM task_runs WHERE finished_at < $1`, [before]);
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }
}
