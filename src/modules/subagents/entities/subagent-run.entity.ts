import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const SUBAGENT_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'aborted',
  'timed_out',
] as const;
export type SubagentStatus = (typeof SUBAGENT_STATUSES)[number];

/**
 * One ACP subagent: the external agent process behind a run of a spawned
 * session (runs.source = 'spawn', runs.source_ref = 'subagent:<id>'). The run
 * carries the lifecycle (states, abort, timeout); this row the process side.
 */
@Entity({ name: 'subagent_runs' })
@Index('subagent_runs_org_created_idx', ['organizationId', 'createdAt'])
@Index('subagent_runs_org_run_idx', ['organizationId', 'runId'])
@Index('subagent_runs_org_session_idx', ['organizationId', 'sessionKey'])
export class SubagentRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('subagent_runs_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'uuid', name: 'run_id', nullable: true })
  runId: string | null;

  @Column({ type: 'text', name: 'session_key' })
  sessionKey: string;

  @Column({ type: 'text', name: 'parent_session_key', nullable: true })
  parentSessionKey: string | null;

  /** Named target, or null for subagents.acp.command. */
  @Column({ type: 'text', nullable: true })
  target: string | null;

  /** The command line (executable and arguments; never the environment). */
  @Column({ type: 'text' })
  command: string;

  @Column({ type: 'text', nullable: true })
  workspace: string | null;

  @Column({ type: 'integer', nullable: true })
  pid: number | null;

  /** queued | running | succeeded | failed | aborted | timed_out (mirrors the run) */
  @Column({ type: 'text' })
  status: string;

  @Column({ type: 'integer', name: 'exit_code', nullable: true })
  exitCode: number | null;

  @Column({ type: 'text', name: 'exit_signal', nullable: true })
  exitSignal: string | null;

  /** Last few KiB of the process's stderr. */
  @Column({ type: 'text', name: 'stderr_tail', nullable: true })
  stderrTail: string | null;

  /** The answer (truncated), announced to the parent session. */
  @Column({ type: 'text', name: 'result_text', nullable: true })
  resultText: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'timestamptz', name: 'announced_at', nullable: true })
  announcedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
