import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An API key `cc_<key_id>_<secret>`. Only the SHA-256 of the secret is kept;
 * lookup is by the public key_id (unique index), then a constant-time compare.
 */
@Entity({ name: 'api_keys' })
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('api_keys_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Index('api_keys_key_id_key', { unique: true })
  @Column({ type: 'text', name: 'key_id' })
  keyId: string;

  @Column({ type: 'text', name: 'secret_hash' })
  secretHash: string;

  @Column({ type: 'text' })
  label: string;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Index('api_keys_user_id_idx')
  @Column({ type: 'uuid', name: 'user_id', nullable: true })
  userId: string | null;

  @Column({ type: 'boolean', default: false })
  bootstrap: boolean;

  @Column({ type: 'uuid', name: 'rotated_from_id', nullable: true })
  rotatedFromId: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
