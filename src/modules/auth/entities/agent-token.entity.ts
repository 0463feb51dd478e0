import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A credential for an agent process (`X-Agent-Token: cca_<token_id>_<secret>`).
 * The row keeps HMAC(SESSION_SECRET, secret): rotating the signing secret
 * invalidates every agent token.
 */
@Entity({ name: 'agent_tokens' })
export class AgentToken {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('agent_tokens_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Index('agent_tokens_token_id_key', { unique: true })
  @Column({ type: 'text', name: 'token_id' })
  tokenId: string;

  @Column({ type: 'text', name: 'secret_hash' })
  secretHash: string;

  /** The agent definition this process runs as. */
  @Column({ type: 'text', name: 'agent_id' })
  agentId: string;

  @Column({ type: 'text' })
  label: string;

  @Index('agent_tokens_user_id_idx')
  @Column({ type: 'uuid', name: 'user_id', nullable: true })
  userId: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'last_heartbeat_at', nullable: true })
  lastHeartbeatAt: Date | null;

  @Column({ type: 'timestamptz', name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
