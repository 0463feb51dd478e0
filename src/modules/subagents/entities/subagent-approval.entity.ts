import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * A permission request of an ACP agent waiting for an operator (permission_mode
 * "ask"). Kept in the database so any replica can list and resolve it; the
 * replica running the agent waits for the row to leave `pending`.
 */
@Entity({ name: 'subagent_approvals' })
@Index('subagent_approvals_org_status_created_idx', ['organizationId', 'status', 'createdAt'])
export class SubagentApproval {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('subagent_approvals_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'uuid', name: 'subagent_run_id' })
  subagentRunId: string;

  @Column({ type: 'uuid', name: 'run_id', nullable: true })
  runId: string | null;

  @Column({ type: 'text', name: 'session_key' })
  sessionKey: string;

  /** What the agent wants to do: {toolCallId, title, kind, rawInput (cut)}. */
  @Column({ type: 'jsonb', name: 'tool_call' })
  toolCall: Record<string, unknown>;

  /** The ACP permission options offered: [{optionId, name, kind}]. */
  @Column({ type: 'jsonb' })
  options: Record<string, unknown>[];

  /** pending | approved | denied | expired | cancelled */
  @Column({ type: 'text' })
  status: string;

  @Column({ type: 'text', name: 'decided_by', nullable: true })
  decidedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'decided_at', nullable: true })
  decidedAt: Date | null;
}
