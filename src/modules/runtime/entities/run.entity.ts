import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What a queued run needs to start on any replica. */
export interface RunInput {
  message: string;
  thinking?: string;
  model?: string;
  /** Provider for this run instead of the agent's (e.g. `acp` for an ACP subagent run). */
  provider?: string;
}

/**
 * One agent run. At most one `running` run per session (partial unique index);
 * the others wait `queued` in created_at order. A running run holds a lease
 * (lease_owner, lease_expires_at) heartbeated by the replica executing it.
 */
@Entity({ name: 'runs' })
@Index('runs_org_session_created_idx', ['organizationId', 'sessionKey', 'createdAt'])
@Index('runs_org_session_idempotency_key', ['organizationId', 'sessionKey', 'idempotencyKey'], {
  unique: true,
})
@Index('runs_one_running_per_session_key', ['organizationId', 'sessionKey'], {
  unique: true,
  where: `status = 'running'`,
})
@Index('runs_status_lease_idx', ['status', 'leaseExpiresAt'])
export class Run {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('runs_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text', name: 'session_key' })
  sessionKey: string;

  /** queued | running | succeeded | failed | aborted | timed_out */
  @Column({ type: 'text' })
  status: string;

  /** rest | bridge | webhook | scheduler | spawn | tool */
  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'text', name: 'source_ref', nullable: true })
  sourceRef: string | null;

  @Column({ type: 'text', name: 'idempotency_key', nullable: true })
  idempotencyKey: string | null;

  @Column({ type: 'jsonb' })
  input: RunInput;

  @Column({ type: 'integer', name: 'timeout_ms', nullable: true })
  timeoutMs: number | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'jsonb', nullable: true })
  usage: Record<string, number> | null;

  @Column({ type: 'text', name: 'lease_owner', nullable: true })
  leaseOwner: string | null;

  @Column({ type: 'timestamptz', name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ type: 'timestamptz', name: 'abort_requested_at', nullable: true })
  abortRequestedAt: Date | null;

  /** Last chat event seq published (heartbeated), so a recovered run's terminal event follows it. */
  @Column({ type: 'integer', name: 'event_seq', default: 0 })
  eventSeq: number;
}
