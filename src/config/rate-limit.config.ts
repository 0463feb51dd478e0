import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { CrossFieldCheck } from './config-loader';
import { EnvVar } from './env-var.decorator';

const WINDOW = /^\d+\/\d+$/;
const WINDOW_MSG = { message: 'must be <count>/<seconds>, e.g. 60/60' };

export interface RateWindow {
  limit: number;
  ttlMs: number;
}

export function parseRateWindow(spec: string): RateWindow {
  const [count, seconds] = spec.split('/').map(Number);
  return { limit: count, ttlMs: seconds * 1000 };
}

export class RateLimitConfig implements CrossFieldCheck {
  @EnvVar({ name: 'RATE_LIMIT_ENABLED', doc: 'false lifts every rate limit (benchmarks only)', default: 'true' })
  @IsBoolean()
  enabled: boolean;

  @EnvVar({
    name: 'RATE_LIMIT_BACKEND',
    doc: 'memory (per process) or redis (shared by replicas; needs RATE_LIMIT_REDIS_URL or REDIS_URL)',
    default: 'memory',
  })
  @IsIn(['memory', 'redis'])
  backend: 'memory' | 'redis';

  @EnvVar({
    name: 'RATE_LIMIT_REDIS_URL',
    doc: "Redis for rate-limit counters; defaults to REDIS_URL (Mission Control's RQ_REDIS_URL is read too)",
    secret: true,
    aliases: ['RQ_REDIS_URL'],
  })
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  redisUrl?: string;

  @EnvVar({ name: 'RATE_LIMIT_AGENT_AUTH', doc: 'Agent authentication per client IP', default: '20/60' })
  @Matches(WINDOW, WINDOW_MSG)
  agentAuth: string;

  @EnvVar({ name: 'RATE_LIMIT_WEBHOOK', doc: 'Webhook ingest per client IP', default: '60/60' })
  @Matches(WINDOW, WINDOW_MSG)
  webhook: string;

  @EnvVar({ name: 'RATE_LIMIT_LOGIN', doc: 'Failed logins per client key before cooldown', default: '5/60' })
  @Matches(WINDOW, WINDOW_MSG)
  login: string;

  @EnvVar({ name: 'RATE_LIMIT_DEFAULT', doc: 'Every other API route, per client IP', default: '600/60' })
  @Matches(WINDOW, WINDOW_MSG)
  defaultRoute: string;

  crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
    return this.backend === 'redis' && !this.redisUrl && !env.REDIS_URL
      ? ['RATE_LIMIT_BACKEND: "redis" needs RATE_LIMIT_REDIS_URL or REDIS_URL']
      : [];
  }
}
