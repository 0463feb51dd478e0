import { IsInt, Max, Min } from 'class-validator';
import { EnvVar } from '../../config/env-var.decorator';

export class WebhooksConfig {
  @EnvVar({
    name: 'WEBHOOK_MAX_PAYLOAD_BYTES',
    doc: 'Largest webhook body accepted (counted on the stream, not only Content-Length); larger → 413',
    default: '1048576',
  })
  @IsInt()
  @Min(1)
  @Max(64 * 1024 * 1024)
  maxPayloadBytes: number;

  @EnvVar({
    name: 'WEBHOOK_BODY_TIMEOUT_MS',
    doc: 'A webhook body that takes longer than this to arrive is refused with 408',
    default: '30000',
  })
  @IsInt()
  @Min(100)
  bodyTimeoutMs: number;

  @EnvVar({
    name: 'WEBHOOK_RETENTION_DAYS',
    doc: 'Delivered and failed webhook deliveries older than this are purged by the cleanup job (queued ones never are)',
    default: '30',
  })
  @IsInt()
  @Min(1)
  retentionDays: number;

  @EnvVar({
    name: 'WEBHOOK_MAX_ATTEMPTS',
    doc: 'Attempts to turn a delivery into a run before it is marked failed',
    default: '5',
  })
  @IsInt()
  @Min(1)
  @Max(100)
  maxAttempts: number;

  @EnvVar({
    name: 'WEBHOOK_BACKOFF_BASE_MS',
    doc: 'Retry delay after the first failed attempt; doubles with every attempt',
    default: '1000',
  })
  @IsInt()
  @Min(1)
  backoffBaseMs: number;

  @EnvVar({ name: 'WEBHOOK_BACKOFF_MAX_MS', doc: 'Upper bound of the retry delay', default: '300000' })
  @IsInt()
  @Min(1)
  backoffMaxMs: number;

  @EnvVar({
    name: 'WEBHOOK_WORKER_CONCURRENCY',
    doc: 'Deliveries this replica processes at once (0 = this replica only ingests, never processes)',
    default: '4',
  })
  @IsInt()
  @Min(0)
  @Max(256)
  workerConcurrency: number;

  @EnvVar({
    name: 'WEBHOOK_POLL_INTERVAL_MS',
    doc: 'How often an idle worker looks for due deliveries (ingest on the same replica wakes it at once)',
    default: '250',
  })
  @IsInt()
  @Min(10)
  pollIntervalMs: number;

  @EnvVar({
    name: 'WEBHOOK_LEASE_MS',
    doc: 'How long a claimed delivery stays locked to one replica; an expired lease is reclaimed by any replica',
    default: '60000',
  })
  @IsInt()
  @Min(1000)
  leaseMs: number;

  @EnvVar({
    name: 'WEBHOOK_CONFIG_CACHE_MS',
    doc: 'How long ingest may reuse a webhook definition it read (changes on this replica apply at once)',
    default: '2000',
  })
  @IsInt()
  @Min(0)
  configCacheMs: number;
}
