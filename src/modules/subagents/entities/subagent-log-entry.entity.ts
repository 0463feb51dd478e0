import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const SUBAGENT_LOG_KINDS = [
  'lifecycle',
  'permission',
  'plan',
  'tool_call',
  'tool_call_update',
  'file',
  'terminal',
] as const;
export type SubagentLogKind = (typeof SUBAGENT_LOG_KINDS)[number];

/** One event of a subagent run: permission, plan, tool call, file, terminal or process lifecycle. */
@Entity({ name: 'subagents_log' })
@Index('subagents_log_org_run_seq_key', ['organizationId', 'subagentRunId', 'seq'], { unique: true })
export class SubagentLogEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('subagents_log_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'uuid', name: 'subagent_run_id' })
  subagentRunId: string;

  @Column({ type: 'uuid', name: 'run_id', nullable: true })
  runId: string | null;

  /** Order within the subagent run, from 1. */
  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'text' })
  kind: string;

  /** One line for people. */
  @Column({ type: 'text' })
  summary: string;

  @Column({ type: 'jsonb', nullable: true })
  data: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
