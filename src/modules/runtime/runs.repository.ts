import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { Run, RunInput } from './entities/run.entity';
import { returnedRows } from '../../database/returned-rows';
import { TerminalRunStatus } from './run.types';

/** `error` of a run queued again after an interruption before it started work (cleared when it finishes). */
export const REQUEUED_NOTE = 'interrupted before it started work; queued again';

export interface ReclaimedRun {
  id: string;
  organizationId: string;
  sessionKey: string;
  source: string;
  sourceRef: string | null;
  eventSeq: number;
  startedAt: Date | null;
}

function rawToRun(raw: Record<string, any>): Run {
  return Object.assign(new Run(), {
    id: raw.id,
    organizationId: raw.organization_id,
    sessionKey: raw.session_key,
    status: raw.status,
    source: raw.source,
    sourceRef: raw.source_ref,
    idempotencyKey: raw.idempotency_key,
    input: raw.input,
    timeoutMs: raw.timeout_ms,
    createdAt: new Date(raw.created_at),
    startedAt: raw.started_at ? new Date(raw.started_at) : null,
    finishedAt: raw.finished_at ? new Date(raw.finished_at) : null,
    error: raw.error,
    usage: raw.usage,
    leaseOwner: raw.lease_owner,
    leaseExpiresAt: raw.lease_expires_at ? new Date(raw.lease_expires_at) : null,
    abortRequestedAt: raw.abort_requested_at ? new Date(raw.abort_requested_at) : null,
    eventSeq: raw.event_seq,
  });
}

function isUniqueViolation(err: unknown): boolean {
  return (err as any)?.driverError?.code === '23505' || (err as any)?.code === '23505';
}

/**
 * Runs. Methods without an organization argument are scoped by the request
 * context; the recovery sweep's cross-organization queries say so in their name.
 */
@Injectable()
export class RunsRepository {
  constructor(@InjectRepository(Run) private readonly repo: Repository<Run>) {}

  findById(id: string): Promise<Run | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  findByIdempotencyKey(sessionKey: string, idempotencyKey: string): Promise<Run | null> {
    return this.repo.findOne({
      where: { organizationId: RequestContext.organizationId(), sessionKey, idempotencyKey },
    });
  }

  countWaiting(sessionKey: string): Promise<number> {
    return this.repo.count({
      where: { organizationId: RequestContext.organizationId(), sessionKey, status: 'queued' },
    });
  }

  /** Inserts a queued run; null when the idempotency key is already taken (a concurrent duplicate). */
  async insertQueued(values: {
    sessionKey: string;
    source: string;
    sourceRef?: string;
    idempotencyKey?: string;
    input: RunInput;
    timeoutMs: number;
  }): Promise<Run | null> {
    try {
      return await this.repo.save(
        this.repo.create({
          organizationId: RequestContext.organizationId(),
          sessionKey: values.sessionKey,
          status: 'queued',
          source: values.source,
          sourceRef: values.sourceRef ?? null,
          idempotencyKey: values.idempotencyKey ?? null,
          input: values.input,
          timeoutMs: values.timeoutMs,
        }),
      );
    } catch (err) {
      if (values.idempotencyKey && isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /**
   * Starts the oldest queued run of a session unless one is running there
   * (the partial unique index makes this safe across replicas). Returns the
   * run this caller now owns, or null.
   */
  async promoteNext(sessionKey: string, owner: string, leaseMs: number): Promise<Run | null> {
    try {
      const rows = await this.repo.query(
        `UPDATE runs SET status = 'running', started_at = now(), lease_owner = $3,
                lease_expires_at = now() + make_interval(secs => $4::double precision / 1000)
         WHERE id = (SELECT id FROM runs WHERE organization_id = $1 AND session_key = $2 AND status = 'queued'
                     ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND NOT EXISTS (SELECT 1 FROM runs WHERE organization_id = $1 AND session_key = $2 AND status = 'running')
         RETURNING *`,
        [RequestContext.organizationId(), sessionKey, owner, leaseMs],
      );
      const row = returnedRows<any>(rows)[0];
      return row ? rawToRun(row) : null;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /** Extends the lease; returns whether an abort was requested, or null when the lease was lost. */
  async heartbeat(
    id: string,
    owner: string,
    leaseMs: number,
    eventSeq: number,
  ): Promise<{ abortRequested: boolean } | null> {
    const rows = await this.repo.query(
      `UPDATE runs SET lease_expires_at = now() + make_interval(secs => $3::double precision / 1000), event_seq = $4
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'
       RETURNING abort_requested_at`,
      [id, owner, leaseMs, eventSeq],
    );
    const row = returnedRows<any>(rows)[0];
    return row ? { abortRequested: !!row.abort_requested_at } : null;
  }

  /** Closes a run this replica owns; false when it was already closed (e.g. reclaimed). */
  async finish(
    id: string,
    owner: string,
    status: TerminalRunStatus,
    error: string | null,
    usage: Record<string, number> | null,
    eventSeq: number,
  ): Promise<boolean> {
    const rows = await this.repo.query(
      `UPDATE runs SET status = $3, error = $4, usage = $5::jsonb, finished_at = now(), lease_expires_at = NULL, event_seq = $6
       WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`,
      [id, owner, status, error, usage ? JSON.stringify(usage) : null, eventSeq],
    );
    return returnedRows<any>(rows).length > 0;
  }

  /** Aborts queued runs of a session (all, or one). */
  async abortQueued(
    sessionKey: string,
    runId?: string,
  ): Promise<{ id: string; source: string; sourceRef: string | null }[]> {
    const params: unknown[] = [RequestContext.organizationId(), sessionKey];
    if (runId) params.push(runId);
    const rows = await this.repo.query(
      `UPDATE runs SET status = 'aborted', error = 'aborted before it started', finished_at = now()
       WHERE organization_id = $1 AND session_key = $2 AND status = 'queued' ${runId ? 'AND id = $3' : ''} RETURNING id, source, source_ref`,
      params,
    );
    return returnedRows<any>(rows).map((r: any) => ({
      id: r.id,
      source: r.source,
      sourceRef: r.source_ref,
    }));
  }

  /** Flags the running run(s) of a session for abort (the executing replica sees it on its next heartbeat). */
  async requestAbortRunning(sessionKey: string, runId?: string): Promise<string[]> {
    const params: unknown[] = [RequestContext.organizationId(), sessionKey];
    if (runId) params.push(runId);
    const rows = await this.repo.query(
      `UPDATE runs SET abort_requested_at = COALESCE(abort_requested_at, now())
       WHERE organization_id = $1 AND session_key = $2 AND status = 'running' ${runId ? 'AND id = $3' : ''} RETURNING id`,
      params,
    );
    return returnedRows<{ id: string }>(rows).map((r) => r.id);
  }

  /** Runs of a session that are queued or running. */
  active(sessionKey: string): Promise<Run[]> {
    return this.repo.find({
      where: {
        organizationId: RequestContext.organizationId(),
        sessionKey,
        status: In(['queued', 'running']),
      },
      order: { createdAt: 'ASC' },
    });
  }

  async deleteFinishedOfSession(sessionKey: string): Promise<void> {
    await this.repo.query(
      `DELETE FROM runs WHERE organization_id = $1 AND session_key = $2 AND status NOT IN ('queued', 'running')`,
      [RequestContext.organizationId(), sessionKey],
    );
  }

  /**
   * Cross-organization (recovery): puts back in the queue the interrupted runs
   * (`running` with a dead owner: every one when `all`, else those whose lease
   * expired) that had not started work yet — no message of theirs in the
   * transcript, so no model or tool was called — and that nobody asked to abort.
   * Once only: the note left in `error` (cleared when the run finishes) keeps a
   * run that takes its process down before it starts from looping at every boot.
   * Whatever else was interrupted is failed by failStuckAcrossOrganizations.
   */
  async requeueUntouchedAcrossOrganizations(all: boolean): Promise<{ id: string; sessionKey: string }[]> {
    const rows = await this.repo.query(
      `UPDATE runs SET status = 'queued', started_at = NULL, lease_owner = NULL, lease_expires_at = NULL, error = $1
       WHERE status = 'running' ${all ? '' : 'AND lease_expires_at < now()'}
         AND abort_requested_at IS NULL AND error IS NULL
         AND NOT EXISTS (SELECT 1 FROM messages m
                         WHERE m.organization_id = runs.organization_id AND m.session_key = runs.session_key
                           AND m.run_id = runs.id)
       RETURNING id, session_key`,
      [REQUEUED_NOTE],
    );
    return returnedRows<any>(rows).map((r: any) => ({ id: r.id, sessionKey: r.session_key }));
  }

  /** Cross-organization (recovery): fails running runs whose lease expired, or every running run when `all`. */
  async failStuckAcrossOrganizations(reason: string, all: boolean): Promise<ReclaimedRun[]> {
    const rows = await this.repo.query(
      `UPDATE runs SET status = 'failed', error = $1, finished_at = now(), lease_expires_at = NULL
       WHERE status = 'running' ${all ? '' : 'AND lease_expires_at < now()'}
       RETURNING id, organization_id, session_key, source, source_ref, event_seq, started_at`,
      [reason],
    );
    return returnedRows<any>(rows).map((r: any) => ({
      id: r.id,
      organizationId: r.organization_id,
      sessionKey: r.session_key,
      source: r.source,
      sourceRef: r.source_ref,
      eventSeq: r.event_seq,
      startedAt: r.started_at ? new Date(r.started_at) : null,
    }));
  }

  /** Cross-organization (sweep): sessions with queued runs and none running. */
  async idleSessionsWithQueuedAcrossOrganizations(
    limit: number,
  ): Promise<{ organizationId: string; sessionKey: string }[]> {
    const rows = await this.repo.query(
      `SELECT DISTINCT q.organization_id, q.session_key FROM runs q
       WHERE q.status = 'queued' AND NOT EXISTS (
         SELECT 1 FROM runs r WHERE r.organization_id = q.organization_id AND r.session_key = q.session_key AND r.status = 'running')
       LIMIT $1`,
      [limit],
    );
    return rows.map((r: any) => ({ organizationId: r.organization_id, sessionKey: r.session_key }));
  }

  /** Queued + running runs (health). */
  async countByStatusAcrossOrganizations(): Promise<Record<string, number>> {
    const rows = await this.repo.query(
      `SELECT status, count(*)::int AS n FROM runs WHERE status IN ('queued', 'running') GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r: any) => [r.status, r.n]));
  }
}
