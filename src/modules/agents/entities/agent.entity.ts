import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What a stored provider config holds; `apiKey` is a `secret:<name>` reference or a sealed literal. */
export interface StoredProviderConfig {
  type: 'echo' | 'openai';
  baseUrl?: string | null;
  model?: string | null;
  apiKey?: string | null;
}

/** An agent definition; its id is chosen by the operator and unique per organization. */
@Entity({ name: 'agents' })
export class Agent {
  @PrimaryColumn({ type: 'uuid', name: 'organization_id' })
  @Index('agents_organization_id_idx')
  organizationId: string;

  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', name: 'system_prompt', nullable: true })
  systemPrompt: string | null;

  @Column({ type: 'jsonb' })
  provider: StoredProviderConfig;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tools: string[];

  @Column({ type: 'integer', name: 'run_timeout_secs', nullable: true })
  runTimeoutSecs: number | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
