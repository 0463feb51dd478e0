import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditEntry, AuditOutcome } from '../entities/audit-entry.entity';

/** Arbitrary constant: serializes appends so the chain has one order across replicas. */
const AUDIT_CHAIN_LOCK = 7_312_004_119;

/** Settings key of the chain checkpoint written by a retention purge. */
export const AUDIT_CHECKPOINT_SETTING = 'audit.chain_checkpoint';

export interface AuditFilter {
  organizationId?: string;
  /** Also rows that belong to no organization (failed logins of unknown users, unauthenticated denials). */
  includeUnowned?: boolean;
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  since?: Date;
  until?: Date;
  limit: number;
  offset: number;
}

export interface NewAuditRow {
  organizationId: string | null;
  createdAt: Date;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Appends under a transaction-scoped advisory lock; `hashOf` links the row to the previous one. */
  async append(row: NewAuditRow, hashOf: (prevHash: string, seq: string) => string): Promise<AuditEntry> {
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
      const last: { seq: string; hash: string }[] = await em.query(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      );
      const prevHash = last[0]?.hash ?? 'genesis';
      const seq = String(BigInt(last[0]?.seq ?? '0') + 1n);
      const hash = hashOf(prevHash, seq);
      await em.query(
        `INSERT INTO audit_log (seq, organization_id, created_at, actor, action, target, outcome, ip, request_id, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)`,
        [
          seq,
          row.organizationId,
          row.createdAt,
          row.actor,
          row.action,
          row.target,
          row.outcome,
          row.ip,
          row.requestId,
          JSON.stringify(row.details),
          prevHash,
          hash,
        ],
      );
      return em.create(AuditEntry, { ...row, seq, prevHash, hash });
    });
  }

  async search(filter: AuditFilter): Promise<[AuditEntry[], number]> {
    const qb = this.ds.getRepository(AuditEntry).createQueryBuilder('a');
    if (filter.organizationId) {
      qb.andWhere(
        filter.includeUnowned
          ? '(a.organization_id = :org OR a.organization_id IS NULL)'
          : 'a.organization_id = :org',
        {
          org: filter.organizationId,
        },
      );
    }
    if (filter.actor) qb.andWhere('a.actor = :actor', { actor: filter.actor });
    if (filter.action)
      qb.andWhere('a.action LIKE :action', { action: filter.action.replace(/[\\%_]/g, '\\$&') + '%' });
    if (filter.outcome) qb.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
    if (filter.since) qb.andWhere('a.created_at >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('a.created_at <= :until', { until: filter.until });
    return qb.orderBy('a.seq', 'DESC').take(filter.limit).skip(filter.offset).getManyAndCount();
  }

  findBySeq(seq: string, organizationId: string): Promise<AuditEntry | null> {
    return this.ds.getRepository(AuditEntry).findOne({ where: { seq, organizationId } });
  }

  /**
   * Retention (scheduler cleanup job, AUDIT_RETENTION_DAYS): under the chain lock,
   * deletes the rows created before `before`, always keeping the newest row (seq
   * and the chain continue), and records the first kept row as the chain
   * checkpoint, so verification starts there instead of at genesis.
   */
  async purgeBefore(before: Date): Promise<{ deleted: number; firstKeptSeq: string | null }> {
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
      const keep: { seq: string; prev_hash: string }[] = await em.query(
        `SELECT seq, prev_hash FROM audit_log
          WHERE created_at >= $1 OR seq = (SELECT max(seq) FROM audit_log)
          ORDER BY seq ASC LIMIT 1`,
        [before],
      );
      if (!keep.length) return { deleted: 0, firstKeptSeq: null };
      const result = await em.query(`DELETE FROM audit_log WHERE seq < $1`, [keep[0].seq]);
      const deleted = Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
      if (deleted > 0) {
        await em.query(
          `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2::jsonb, 'system', now())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [
            AUDIT_CHECKPOINT_SETTING,
            JSON.stringify({
              seq: keep[0].seq,
              prev_hash: keep[0].prev_hash,
              purged_before: before.toISOString(),
            }),
          ],
        );
      }
      return { deleted, firstKeptSeq: keep[0].seq };
    });
  }

  /** Where verification starts after a retention purge (null: at genesis). */
  async checkpoint(): Promise<{ seq: string; prevHash: string } | null> {
    const rows: { value: { seq: string; prev_hash: string } }[] = await this.ds.query(
      `SELECT value FROM settings WHERE key = $1`,
      [AUDIT_CHECKPOINT_SETTING],
    );
    return rows[0] ? { seq: String(rows[0].value.seq), prevHash: rows[0].value.prev_hash } : null;
  }

  /** The whole chain in order, in pages, for verification. */
  async *walk(pageSize = 1000): AsyncGenerator<AuditEntry> {
    let after = '0';
    for (;;) {
      const page = await this.ds
        .getRepository(AuditEntry)
        .createQueryBuilder('a')
        .where('a.seq > :after', { after })
        .orderBy('a.seq', 'ASC')
        .take(pageSize)
        .getMany();
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1].seq;
    }
  }
}
