import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

/**
 * Append-only, hash-chained: `hash` = SHA-256 over `prev_hash` and the row's
 * canonical content, so editing or deleting a row breaks every later link.
 */
@Entity({ name: 'audit_log' })
@Index('audit_log_org_created_idx', ['organizationId', 'createdAt'])
export class AuditEntry {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'uuid', name: 'organization_id', nullable: true })
  organizationId: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text', nullable: true })
  target: string | null;

  @Column({ type: 'text' })
  outcome: AuditOutcome;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ type: 'text', name: 'request_id', nullable: true })
  requestId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;

  @Column({ type: 'text', name: 'prev_hash' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;
}
