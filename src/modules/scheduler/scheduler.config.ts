import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { CrossFieldCheck } from '../../config/config-loader';
import { EnvVar } from '../../config/env-var.decorator';

export class SchedulerConfig implements CrossFieldCheck {
  @EnvVar({
    name: 'SCHEDULER_ENABLED',
    doc: 'Run scheduled tasks and cleanup jobs on this replica (false: it serves the API only; the CLI always sets false)',
    default: 'true',
  })
  @IsBoolean()
  enabled: boolean;

  @EnvVar({ name: 'SCHEDULER_TICK_MS', doc: 'How often a replica looks for due tasks and jobs', default: '1000' })
  @IsInt()
  @Min(10)
  @Max(60_000)
  tickMs: number;

  @EnvVar({
    name: 'SCHEDULER_LEASE_MS',
    doc: 'Lease of a claimed task, renewed while it runs; a task whose runner died is reclaimed after it expires',
    default: '30000',
  })
  @IsInt()
  @Min(500)
  leaseMs: number;

  @EnvVar({
    name: 'SCHEDULER_MAX_CONCURRENCY',
    doc: 'Scheduled runs one replica executes at once (tasks of one chat_id never run concurrently on a replica)',
    default: '8',
  })
  @IsInt()
  @Min(1)
  @Max(1000)
  maxConcurrency: number;

  @EnvVar({
    name: 'SCHEDULER_RUN_TIMEOUT_MS',
    doc: 'How long the scheduler waits for a run to end before aborting it and recording a timeout',
    default: '600000',
  })
  @IsInt()
  @Min(100)
  runTimeoutMs: number;

  @EnvVar({
    name: 'SCHEDULER_AUTO_REPLAY_ATTEMPTS',
    doc: 'Replays the scheduler makes on its own for a failed run before leaving it pending in the DLQ (0 = off)',
    default: '0',
  })
  @IsInt()
  @Min(0)
  @Max(100)
  autoReplayAttempts: number;

  @EnvVar({ name: 'SCHEDULER_AUTO_REPLAY_DELAY_MS', doc: 'Delay before an automatic replay runs', default: '60000' })
  @IsInt()
  @Min(0)
  autoReplayDelayMs: number;

  @EnvVar({ name: 'CLEANUP_INTERVAL_MS', doc: 'How often each cleanup job runs (on one replica of the cluster)', default: '3600000' })
  @IsInt()
  @Min(1000)
  cleanupIntervalMs: number;

  @EnvVar({
    name: 'CLEANUP_DEAD_CREDENTIALS_DAYS',
    doc: 'Expired or revoked API keys and browser sessions are deleted this many days after they died',
    default: '30',
  })
  @IsInt()
  @Min(0)
  deadCredentialsDays: number;

  @EnvVar({
    name: 'TASK_RUN_RETENTION_DAYS',
    doc: 'Scheduler run logs (task_runs) and settled DLQ entries older than this are deleted (>= 8: the recoverability SLO looks back 7 days)',
    default: '30',
  })
  @IsInt()
  @Min(8)
  taskRunRetentionDays: number;

  @EnvVar({
    name: 'AUDIT_RETENTION_DAYS',
    doc: 'Audit log rows older than this are deleted (0 = keep forever). Verification then starts at the oldest kept row (checkpoint)',
    default: '0',
  })
  @IsInt()
  @Min(0)
  auditRetentionDays: number;

  crossFieldProblems(): string[] {
    return this.leaseMs < this.tickMs * 2
      ? [`SCHEDULER_LEASE_MS: must be at least twice SCHEDULER_TICK_MS (${this.tickMs}) so leases are renewed in time`]
      : [];
  }
}
