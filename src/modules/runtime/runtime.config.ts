import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { EnvVar } from '../../config/env-var.decorator';

export class RuntimeConfig {
  @EnvVar({
    name: 'RUN_QUEUE_MAX_PER_SESSION',
    doc: 'Runs that may wait behind the active run of one session; more answer 429 RUN_QUEUE_FULL',
    default: '20',
  })
  @IsInt()
  @Min(0)
  @Max(10_000)
  queueMaxPerSession: number;

  @EnvVar({
    name: 'MAX_MESSAGE_BYTES',
    doc: 'Largest message (UTF-8 bytes) accepted into a session; larger answer 413',
    default: '262144',
  })
  @IsInt()
  @Min(1)
  maxMessageBytes: number;

  @EnvVar({
    name: 'RUN_TIMEOUT_SECS',
    doc: 'Run timeout when neither the agent nor the request sets one',
    default: '600',
  })
  @IsInt()
  @Min(1)
  defaultRunTimeoutSecs: number;

  @EnvVar({
    name: 'RUN_LEASE_MS',
    doc: 'Lease of a running run; the executing replica renews it, others reclaim it after expiry',
    default: '30000',
  })
  @IsInt()
  @Min(1000)
  leaseMs: number;

  @EnvVar({
    name: 'RUN_SWEEP_INTERVAL_MS',
    doc: 'How often a replica reclaims expired runs and starts runs left queued',
    default: '5000',
  })
  @IsInt()
  @Min(100)
  sweepIntervalMs: number;

  @EnvVar({
    name: 'RUN_MAX_TOOL_ITERATIONS',
    doc: 'Model ↔ tool round trips allowed in one run',
    default: '8',
  })
  @IsInt()
  @Min(1)
  @Max(100)
  maxToolIterations: number;

  @EnvVar({
    name: 'PROVIDER_MAX_RETRIES',
    doc: 'Retries of a model request answered 429/5xx or failing to connect',
    default: '3',
  })
  @IsInt()
  @Min(0)
  @Max(10)
  providerMaxRetries: number;

  @EnvVar({
    name: 'PROVIDER_RETRY_BASE_MS',
    doc: 'First retry delay (doubles each time) when no Retry-After is given',
    default: '500',
  })
  @IsInt()
  @Min(1)
  providerRetryBaseMs: number;

  @EnvVar({
    name: 'PROVIDER_RETRY_MAX_DELAY_MS',
    doc: 'Longest wait between retries, Retry-After included',
    default: '30000',
  })
  @IsInt()
  @Min(1)
  providerRetryMaxDelayMs: number;

  @EnvVar({
    name: 'PROVIDER_IDLE_TIMEOUT_MS',
    doc: 'A model stream silent for this long fails the run (stalled stream)',
    default: '60000',
  })
  @IsInt()
  @Min(100)
  providerIdleTimeoutMs: number;

  @EnvVar({ name: 'OPENAI_API_KEY', doc: 'API key of openai agents that set none themselves', secret: true })
  @IsOptional()
  @IsString()
  openaiApiKey?: string;

  @EnvVar({
    name: 'OPENAI_BASE_URL',
    doc: 'Base URL (…/v1) of openai agents that set none themselves',
    default: 'https://api.openai.com/v1',
  })
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  openaiBaseUrl: string;

  @EnvVar({
    name: 'OPENAI_MODEL',
    doc: 'Model of openai agents that set none themselves',
    default: 'gpt-4o-mini',
  })
  @IsString()
  openaiModel: string;
}
