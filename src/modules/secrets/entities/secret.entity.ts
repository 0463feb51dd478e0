import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A named secret of an organization. The value exists only as `ciphertext`:
 * AES-256-GCM under the organization's data key, with associated data binding
 * it to the organization and the name (a ciphertext moved to another row or
 * organization fails authentication). The API never returns the value.
 */
@Entity({ name: 'secrets' })
@Index('secrets_organization_id_name_key', ['organizationId', 'name'], { unique: true })
export class Secret {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  ciphertext: string;

  @Column({ type: 'uuid', name: 'data_key_id' })
  dataKeyId: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;

  /** When the value was last replaced (PUT on an existing name). */
  @Column({ type: 'timestamptz', name: 'rotated_at', nullable: true })
  rotatedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'last_read_at', nullable: true })
  lastReadAt: Date | null;

  @Column({ type: 'text', name: 'last_read_by', nullable: true })
  lastReadBy: string | null;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;

  @Column({ type: 'text', name: 'updated_by', nullable: true })
  updatedBy: string | null;
}
