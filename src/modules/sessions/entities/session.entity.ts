import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An agent session `agent:<agentId>:<name>`; parent_key/fork_point make the fork tree. */
@Entity({ name: 'sessions' })
@Index('sessions_org_key_key', ['organizationId', 'key'], { unique: true })
@Index('sessions_org_parent_idx', ['organizationId', 'parentKey'])
@Index('sessions_org_updated_idx', ['organizationId', 'updatedAt'])
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('sessions_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'text', name: 'agent_id' })
  agentId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  label: string | null;

  @Column({ type: 'text', name: 'thinking_level', nullable: true })
  thinkingLevel: string | null;

  @Column({ type: 'text', name: 'verbose_level', nullable: true })
  verboseLevel: string | null;

  @Column({ type: 'text', name: 'reasoning_level', nullable: true })
  reasoningLevel: string | null;

  @Column({ type: 'text', nullable: true })
  model: string | null;

  @Column({ type: 'text', name: 'parent_key', nullable: true })
  parentKey: string | null;

  @Column({ type: 'integer', name: 'fork_point', nullable: true })
  forkPoint: number | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', name: 'last_run_at', nullable: true })
  lastRunAt: Date | null;
}
