import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ScheduledTask, TaskStatus } from '../entities/scheduled-task.entity';
import { fromRaw, returnedRows } from './raw-rows';

/** A task this replica claimed, with what the claim replaced. */
export interface ClaimedTask {
  task: ScheduledTask;
  /** True when the claim took over a `running` task whose lease expired (its runner died). */
  reclaimed: boolean;
  /** The replica that held the expired lease (reclaims only). */
  previousRunner: string | null;
  /** When the interrupted attempt had been claimed (reclaims only). */
  previousClaimedAt: Date | null;
}

export interface FinishedClaim {
  status: TaskStatus;
  nextRun: Date | null;
  lastRun: Date;
  lastError: string | null;
}

/**
 * Claims and leases of scheduled tasks, across organizations (the scheduler
 * loop works for every organization; each claimed task then runs inside its
 * organization's context). Every write of a claim holder is fenced by its
 * claim_token, so a replica that lost its lease cannot overwrite the new holder.
 */
@Injectable()
export class TaskClaimsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Claims up to `limit` due tasks in one statement: active tasks whose next_run
   * passed, and running tasks whose lease expired. Tasks of a chat that has a
   * task running under a live lease (on any replica), or of `busyChats` (this
   * replica's), are left for later: one chat's tasks run one at a time, in due
   * order, and its runs never queue behind each other across replicas.
   * Tasks of a locked or disabled organization wait until it is unlocked.
   */
  async claimDue(runner: string, limit: number, leaseMs: number, busyChats: string[]): Promise<ClaimedTask[]> {
    if (limit <= 0) return [];
    const result = await this.ds.query(
      `UPDATE scheduled_tasks t
          SET status = 'running',
              locked_by = $1,
              locked_until = now() + ($2::int * interval '1 millisecond'),
              claim_token = gen_random_uuid(),
              claimed_at = now(),
              attempt = CASE WHEN c.status = 'running' THEN t.attempt + 1 ELSE 1 END,
              current_due_at = CASE WHEN c.status = 'running' THEN COALESCE(t.current_due_at, t.next_run, now()) ELSE COALESCE(t.next_run, now()) END,
              current_run_id = CASE WHEN c.status = 'running' THEN t.current_run_id ELSE NULL END,
              updated_at = now()
         FROM (
               SELECT id, status, locked_by, claimed_at
                 FROM scheduled_tasks s
                WHERE ((status = 'active' AND next_run <= now() AND (locked_until IS NULL OR locked_until < now()))
                       OR (status = 'running' AND locked_until < now()))
                  AND NOT (chat_id = ANY($4::text[]))
                  AND NOT EXISTS (
                        SELECT 1 FROM organizations o
                         WHERE o.id = s.organization_id AND (o.locked_at IS NOT NULL OR o.disabled))
                  AND NOT EXISTS (
                        SELECT 1 FROM scheduled_tasks busy
                         WHERE busy.organization_id = s.organization_id AND busy.chat_id = s.chat_id
                           AND busy.id <> s.id AND busy.status = 'running' AND busy.locked_until >= now())
                ORDER BY next_run ASC NULLS FIRST, id
                LIMIT $3
                  FOR UPDATE SKIP LOCKED
              ) c
        WHERE t.id = c.id
        RETURNING t.*, c.status AS prev_status, c.locked_by AS prev_locked_by, c.claimed_at AS prev_claimed_at`,
      [runner, leaseMs, limit, busyChats],
    );
    return returnedRows(result).map((row) => ({
      task: fromRaw(this.ds, ScheduledTask, row),
      reclaimed: row.prev_status === 'running',
      previousRunner: row.prev_status === 'running' ? ((row.prev_locked_by as string | null) ?? null) : null,
      previousClaimedAt: row.prev_status === 'running' ? ((row.prev_claimed_at as Date | null) ?? null) : null,
    }));
  }

  /** Extends the leases of the given claims; returns the tokens still held (a missing one was lost). */
  async renewLeases(tokens: string[], leaseMs: number): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const result = await this.ds.query(
      `UPDATE scheduled_tasks SET locked_until = now() + ($2::int * interval '1 millisecond')
        WHERE claim_token = ANY($1::uuid[])
        RETURNING claim_token`,
      [tokens, leaseMs],
    );
    return new Set(returnedRows(result).map((r) => r.claim_token as string));
  }

  /** Remembers the run id of the current attempt (a reclaim can then look at it). */
  async recordRunId(taskId: string, token: string, runId: string): Promise<void> {
    await this.ds.query(`UPDATE scheduled_tasks SET current_run_id = $3 WHERE id = $1 AND claim_token = $2`, [taskId, token, runId]);
  }

  /**
   * Ends a claim after its run: counts the run, sets the next due time and the
   * new status (a task paused or cancelled meanwhile keeps that status). False
   * when the claim was lost (reclaimed by another replica, or the task deleted).
   */
  async finish(em: EntityManager, taskId: string, token: string, done: FinishedClaim): Promise<boolean> {
    const result = await em.query(
      `UPDATE scheduled_tasks
          SET run_count = run_count + 1,
              last_run = $3,
              last_error = $4,
              next_run = CASE WHEN status IN ('running', 'paused') THEN $5::timestamptz ELSE next_run END,
              status = CASE
                         WHEN status = 'running' THEN $6
                         WHEN status = 'paused' AND $6 IN ('completed', 'failed') THEN $6
                         ELSE status END,
              locked_by = NULL, locked_until = NULL, claim_token = NULL, claimed_at = NULL,
              current_due_at = NULL, current_run_id = NULL, replay_of = NULL, updated_at = now()
        WHERE id = $1 AND claim_token = $2
        RETURNING id`,
      [taskId, token, done.lastRun, done.lastError, done.nextRun, done.status],
    );
    return returnedRows(result).length > 0;
  }

  /** Lets go of claims at shutdown so another replica takes them over at once. */
  async releaseLeases(tokens: string[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.ds.query(`UPDATE scheduled_tasks SET locked_until = now() WHERE claim_token = ANY($1::uuid[])`, [tokens]);
  }

  /** Seconds since the oldest due (unclaimed) task fell due; 0 when none is waiting. */
  async lagSeconds(): Promise<number> {
    const rows: { lag: string | number | null }[] = await this.ds.query(
      `SELECT EXTRACT(EPOCH FROM (now() - min(next_run))) AS lag
         FROM scheduled_tasks
        WHERE status = 'active' AND next_run <= now()`,
    );
    return Math.max(0, Number(rows[0]?.lag ?? 0));
  }

  /** Counts by status across organizations (health). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows: { status: string; n: string }[] = await this.ds.query(`SELECT status, count(*) AS n FROM scheduled_tasks GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
