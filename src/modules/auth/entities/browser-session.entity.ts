import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A browser login. The `mc_session` cookie carries `<id>.<secret>`; the row
 * keeps HMAC(SESSION_SECRET, secret), so rotating SESSION_SECRET invalidates
 * every session at once.
 */
@Entity({ name: 'browser_sessions' })
export class BrowserSession {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('browser_sessions_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Index('browser_sessions_user_id_idx')
  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'text', name: 'secret_hash' })
  secretHash: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'last_seen_at', nullable: true })
  lastSeenAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ type: 'text', name: 'user_agent', nullable: true })
  userAgent: string | null;
}
