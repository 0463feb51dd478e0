import { Column, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An operator's enable/disable of a hook in one organization (overrides the manifest's `enabled`). */
@Entity({ name: 'hooks_state' })
@Index('hooks_state_organization_id_name_key', ['organizationId', 'name'], { unique: true })
export class HookState {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('hooks_state_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ type: 'text', name: 'updated_by', nullable: true })
  updatedBy: string | null;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
