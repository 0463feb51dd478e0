import { Injectable, Logger } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { TERMINAL_STATUSES, RunView } from '../../runtime/run.types';
import { RunsService } from '../../runtime/runs.service';
import { SessionsService } from '../../sessions/sessions.service';
import { SchedulerConfig } from '../scheduler.config';
import { ClaimedTask, TaskClaimsRepository } from '../repositories/task-claims.repository';
import { DlqService } from './dlq.service';
import { RunAnswers } from './run-answers';
import { AttemptOutcome, RecordedOutcome, TaskOutcomes } from './task-outcomes.service';

/**
 * Runs one claimed task: sends its prompt into its session as a run
 * (source `scheduler`, sourceRef = task id), waits for the run to end and
 * records the outcome. The idempotency key names the occurrence
 * (`task:<id>:<due ms>`), so a reclaim after the runner died attaches to the
 * run that was already started instead of starting a second one; only when
 * that run ended without success does the reclaim start a fresh attempt
 * (`task:<id>:<due ms>:<attempt>`).
 */
@Injectable()
export class TaskExecutor {
  private readonly logger = new Logger('Scheduler');

  constructor(
    private readonly config: SchedulerConfig,
    private readonly runs: RunsService,
    private readonly sessions: SessionsService,
    private readonly claims: TaskClaimsRepository,
    private readonly outcomes: TaskOutcomes,
    private readonly dlq: DlqService,
    private readonly answers: RunAnswers,
  ) {}

  /** Runs the claim in its organization's context; never throws. */
  execute(claim: ClaimedTask, runner: string): Promise<RecordedOutcome | null> {
    const t = claim.task;
    return RequestContext.run(
      { requestId: `scheduler-${t.id.slice(0, 8)}-${t.attempt}`, transport: 'system', principal: { ...systemPrincipal(t.organizationId), actor: 'scheduler' } },
      async () => {
        try {
          if (claim.reclaimed) await this.outcomes.recordInterrupted(claim, runner);
          const outcome = await this.attempt(claim);
          const recorded = await this.outcomes.record(claim, runner, outcome);
          if (!recorded.run.success) {
            this.logger.warn(`task ${t.id} (${t.chatId}) ${outcome.status}: ${outcome.error ?? ''}`.trim());
          }
          const entry = recorded.dlqEntry;
          if (entry && entry.replayAttempts < this.config.autoReplayAttempts) {
            await this.dlq.autoReplay(entry, this.config.autoReplayDelayMs);
          }
          return recorded;
        } catch (err) {
          this.logger.error({ err }, `task ${t.id}: recording its run failed; the lease will expire and the task be reclaimed`);
          return null;
        }
      },
    );
  }

  private async attempt(claim: ClaimedTask): Promise<AttemptOutcome> {
    const t = claim.task;
    const startedAt = new Date();
    const occurrence = `task:${t.id}:${(t.currentDueAt ?? startedAt).getTime()}`;
    try {
      let started = await this.start(claim, occurrence);
      if (started.deduplicated && claim.reclaimed) {
        const previous = await this.runs.get(started.runId);
        if (TERMINAL_STATUSES.includes(previous.status) && previous.status !== 'succeeded') {
          started = await this.start(claim, `${occurrence}:${t.attempt}`);
        }
      }
      await this.claims.recordRunId(t.id, t.claimToken!, started.runId);
      const view = await this.runs.waitForTerminal(started.runId, this.config.runTimeoutMs);
      return await this.outcomeOf(claim, view, startedAt);
    } catch (err) {
      return { status: 'failed', runId: null, summary: null, error: describe(err), startedAt };
    }
  }

  private start(claim: ClaimedTask, idempotencyKey: string) {
    const t = claim.task;
    return this.runs.start({ sessionKey: t.chatId, message: t.prompt, idempotencyKey, source: 'scheduler', sourceRef: t.id });
  }

  private async outcomeOf(claim: ClaimedTask, view: RunView, startedAt: Date): Promise<AttemptOutcome> {
    const base = { runId: view.id, startedAt };
    if (!TERMINAL_STATUSES.includes(view.status)) {
      await this.runs.abort(claim.task.chatId, view.id).catch(() => undefined);
      return { ...base, status: 'timed_out', summary: null, error: `the run did not end within SCHEDULER_RUN_TIMEOUT_MS (${this.config.runTimeoutMs} ms); aborted` };
    }
    switch (view.status) {
      case 'succeeded':
        return { ...base, status: 'succeeded', summary: await this.answerOf(claim.task.chatId, view.id), error: null };
      case 'timed_out':
        return { ...base, status: 'timed_out', summary: null, error: view.error ?? 'the run timed out' };
      case 'aborted':
        return { ...base, status: 'aborted', summary: null, error: view.error ?? 'the run was aborted' };
      default:
        return { ...base, status: 'failed', summary: null, error: view.error ?? 'the run failed' };
    }
  }

  /** The assistant's answer in the run, for the run log summary (best effort). */
  private async answerOf(sessionKey: string, runId: string): Promise<string | null> {
    const seen = this.answers.take(runId);
    if (seen) return seen;
    try {
      const page = await this.sessions.history(sessionKey, { limit: 10 });
      const answer = [...page.messages].reverse().find((m) => m.runId === runId && m.role === 'assistant');
      const text = answer?.content
        .map((c) => (typeof c.text === 'string' ? c.text : ''))
        .join('')
        .trim();
      return text || null;
    } catch {
      return null;
    }
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.code ? `${e.code}: ${e.message}` : (e?.message ?? String(err));
}
