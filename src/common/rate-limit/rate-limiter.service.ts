import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { parseRateWindow, RateLimitConfig, RateWindow } from '../../config/rate-limit.config';
import { RedisConfig } from '../../config/redis.config';
import { RedisConnections } from '../redis/redis-connections';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { RateLimitName } from './rate-limit.decorator';

export interface RateDecision {
  allowed: boolean;
  retryAfterSecs: number;
  remaining: number;
}

/**
 * Fixed-window counters in @nestjs/throttler storage: in memory per process,
 * or in Redis shared by all replicas. A Redis failure lets the request through
 * (fail open), logs a warning and counts `rate_limit_backend_errors_total`.
 */
@Injectable()
export class RateLimiterService implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimiter');
  private readonly storage: ThrottlerStorage & Partial<OnApplicationShutdown>;
  private readonly windows: Record<Exclude<RateLimitName, 'none'>, RateWindow>;
  private lastWarnAt = 0;
  readonly backend: 'memory' | 'redis';
  private readonly keyPrefix: string;

  constructor(
    private readonly config: RateLimitConfig,
    redisConfig: RedisConfig,
    redis: RedisConnections,
    private readonly metrics: MetricsRegistry,
  ) {
    const redisUrl = config.redisUrl ?? redisConfig.url;
    this.backend = config.backend === 'redis' && redisUrl ? 'redis' : 'memory';
    this.keyPrefix = this.backend === 'redis' ? `${redisConfig.keyPrefix}rl:` : '';
    this.storage =
      this.backend === 'redis'
        ? new ThrottlerStorageRedisService(redis.client('rate-limit', redisUrl))
        : new ThrottlerStorageService();
    this.windows = {
      default: parseRateWindow(config.defaultRoute),
      agent_auth: parseRateWindow(config.agentAuth),
      webhook: parseRateWindow(config.webhook),
      login: parseRateWindow(config.login),
    };
  }

  window(name: Exclude<RateLimitName, 'none'>): RateWindow {
    return this.windows[name];
  }

  /** Counts one hit of `key` against the named window. */
  async consume(
    name: Exclude<RateLimitName, 'none'>,
    key: string,
    window = this.windows[name],
  ): Promise<RateDecision> {
    if (!this.config.enabled) return { allowed: true, retryAfterSecs: 0, remaining: window.limit };
    try {
      const record = await this.storage.increment(
        `${this.keyPrefix}${name}:${key}`,
        window.ttlMs,
        window.limit,
        window.ttlMs,
        name,
      );
      if (record.isBlocked) {
        this.metrics.rateLimitHits.inc({ limit: name });
        // Both storages report timeToBlockExpire in whole seconds already.
        return {
          allowed: false,
          retryAfterSecs: Math.max(1, Math.ceil(record.timeToBlockExpire)),
          remaining: 0,
        };
      }
      return { allowed: true, retryAfterSecs: 0, remaining: Math.max(0, window.limit - record.totalHits) };
    } catch (err) {
      this.metrics.rateLimitBackendErrors.inc();
      if (Date.now() - this.lastWarnAt > 10_000) {
        this.lastWarnAt = Date.now();
        this.logger.warn(
          `rate-limit backend failed, allowing request (fail open): ${(err as Error).message}`,
        );
      }
      return { allowed: true, retryAfterSecs: 0, remaining: window.limit };
    }
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown?.();
  }
}
