import { Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { sha256Hex } from '../../../common/crypto';
import { AuditEntry, AuditOutcome } from '../entities/audit-entry.entity';
import { AuditFilter, AuditRepository, NewAuditRow } from '../repositories/audit.repository';

export interface AuditRecord {
  action: string;
  target?: string;
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
  /** Defaults to the request context's organization. */
  organizationId?: string | null;
  /** Defaults to the request context's principal. */
  actor?: string;
}

/** JSON with sorted keys, so a row hashes the same before and after a jsonb round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function auditHash(prevHash: string, seq: string, row: NewAuditRow): string {
  return sha256Hex(
    canonicalJson({
      prev: prevHash,
      seq,
      org: row.organizationId,
      at: row.createdAt.toISOString(),
      actor: row.actor,
      action: row.action,
      target: row.target,
      outcome: row.outcome,
      ip: row.ip,
      request: row.requestId,
      details: row.details,
    }),
  );
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  first_broken_seq?: string;
  reason?: string;
}

/**
 * The one way modules write the audit log: append-only and hash-chained.
 * Actor, organization, IP and request id come from the request context.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly repo: AuditRepository) {}

  /** Appends one row; returns it (undefined when a denied/failed row could not be written). */
  async record(entry: AuditRecord): Promise<AuditEntry | undefined> {
    const ctx = RequestContext.current();
    const row: NewAuditRow = {
      organizationId:
        entry.organizationId !== undefined ? entry.organizationId : (ctx?.principal?.organizationId ?? null),
      createdAt: new Date(),
      actor: entry.actor ?? ctx?.principal?.actor ?? 'anonymous',
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome ?? 'ok',
      ip: ctx?.ip ?? null,
      requestId: ctx?.requestId ?? null,
      details: entry.details ?? {},
    };
    try {
      return await this.repo.append(row, (prev, seq) => auditHash(prev, seq, row));
    } catch (err) {
      // An audit failure must be loud, but a denied request must not become a 500.
      this.logger.error({ err, action: entry.action }, 'audit append failed');
      if (row.outcome === 'ok') throw err;
      return undefined;
    }
  }

  /** Rows of the caller's organization; platform administrators also see rows that belong to no organization. */
  search(filter: Omit<AuditFilter, 'organizationId' | 'includeUnowned'>): Promise<[AuditEntry[], number]> {
    return this.repo.search({
      ...filter,
      organizationId: RequestContext.organizationId(),
      includeUnowned: !!RequestContext.principal()?.platformAdmin,
    });
  }

  /** One row of the caller's organization, or null. */
  find(seq: string): Promise<AuditEntry | null> {
    return this.repo.findBySeq(seq, RequestContext.organizationId());
  }

  /** Retention (scheduler cleanup job): deletes rows created before `before`; see AuditRepository.purgeBefore. */
  async purgeBefore(before: Date): Promise<number> {
    const { deleted, firstKeptSeq } = await this.repo.purgeBefore(before);
    if (deleted > 0) {
      await this.record({
        action: 'audit.retention_purge',
        organizationId: null,
        actor: 'system',
        details: { deleted, before: before.toISOString(), first_kept_seq: firstKeptSeq },
      });
    }
    return deleted;
  }

  /** Walks the whole chain and reports the first row whose link or content does not match. */
  async verify(): Promise<ChainVerification> {
    const checkpoint = await this.repo.checkpoint();
    let prev = 'genesis';
    let checked = 0;
    for await (const e of this.repo.walk()) {
      // after a retention purge the chain starts at the checkpointed row, anchored at its recorded prev_hash
      if (checked === 0 && checkpoint && e.seq === checkpoint.seq) prev = checkpoint.prevHash;
      const expected = auditHash(prev, e.seq, {
        organizationId: e.organizationId,
        createdAt: new Date(e.createdAt),
        actor: e.actor,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        ip: e.ip,
        requestId: e.requestId,
        details: e.details,
      });
      if (e.prevHash !== prev)
        return {
          ok: false,
          checked,
          first_broken_seq: e.seq,
          reason: 'prev_hash does not link to the previous row (row deleted or reordered)',
        };
      if (e.hash !== expected)
        return {
          ok: false,
          checked,
          first_broken_seq: e.seq,
          reason: 'row content does not match its hash (row edited)',
        };
      prev = e.hash;
      checked++;
    }
    return { ok: true, checked };
  }
}
