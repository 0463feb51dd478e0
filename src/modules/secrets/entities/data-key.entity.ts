import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The data key of one organization (envelope encryption): 32 random bytes
 * wrapped with AES-256-GCM under the master key whose fingerprint is
 * `master_key_id`. Master-key rotation re-wraps these rows; the secrets they
 * encrypt are never touched. The database alone never holds a usable key.
 */
@Entity({ name: 'data_keys' })
export class DataKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** One data key per organization. */
  @Index('data_keys_organization_id_key', { unique: true })
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  /** `v1.<iv>.<ciphertext>.<tag>`, associated data binds it to its organization and id. */
  @Column({ type: 'text', name: 'wrapped_key' })
  wrappedKey: string;

  /** Fingerprint (`mk_…`) of the master key that wrapped this data key. */
  @Index('data_keys_master_key_id_idx')
  @Column({ type: 'text', name: 'master_key_id' })
  masterKeyId: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  /** Last re-wrap under a new master key. */
  @Column({ type: 'timestamptz', name: 'rotated_at', nullable: true })
  rotatedAt: Date | null;
}
