import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { TaskRunsRepository } from '../repositories/task-runs.repository';

export const RECOVERABILITY_SLO = 'scheduler_recoverability_7d';
const WINDOW_MS = 7 * 86_400_000;

export interface Recoverability {
  /** (succeeded + recovered) / due; null when nothing fell due in the window. */
  value: number | null;
  window: '7d';
  due: number;
  succeeded_first_attempt: number;
  recovered: number;
  unrecovered: number;
}

/**
 * scheduler_recoverability_7d, computed from task_runs (so it survives
 * restarts and is the same on every replica). See docs/scheduler.md:
 * an occurrence is a (task, due time) whose first attempt fell due in the last
 * 7 days (replay runs are recovery attempts, not occurrences); it counts as good
 * when its first attempt succeeded, or when a failed/interrupted attempt was
 * recovered — a reclaim of the same occurrence succeeded, or a DLQ replay of
 * the failure (or of a later failure in that replay chain) succeeded.
 */
@Injectable()
export class RecoverabilityService {
  constructor(private readonly runs: TaskRunsRepository) {}

  /** Of the current organization. */
  forOrganization(now = new Date()): Promise<Recoverability> {
    return this.compute(now, RequestContext.organizationId());
  }

  /** Across organizations (the SLO of the deployment). */
  cluster(now = new Date()): Promise<Recoverability> {
    return this.compute(now);
  }

  private async compute(now: Date, organizationId?: string): Promise<Recoverability> {
    const c = await this.runs.recoverability(new Date(now.getTime() - WINDOW_MS), organizationId);
    const good = c.succeeded + c.recovered;
    return {
      value: c.due === 0 ? null : round(good / c.due),
      window: '7d',
      due: c.due,
      succeeded_first_attempt: c.succeeded,
      recovered: c.recovered,
      unrecovered: c.due - good,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
