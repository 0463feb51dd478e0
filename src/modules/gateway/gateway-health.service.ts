import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LifecycleService } from '../../common/lifecycle/lifecycle.service';
import { RedisConnections } from '../../common/redis/redis-connections';
import { HealthContributors } from '../health/health-contributors';
import { SERVICE_VERSION } from '../../version';

const CACHE_MS = 1000;
const CHECK_TIMEOUT_MS = 2000;

export interface DependencyStatus {
  ok: boolean;
  latencyMs?: number;
  error?: string;
  configured?: boolean;
}

export interface GatewayHealth {
  ok: boolean;
  ts: number;
  durationMs: number;
  status: 'ok' | 'degraded' | 'draining';
  version: string;
  uptimeMs: number;
  database: DependencyStatus;
  redis: DependencyStatus;
  [extra: string]: unknown;
}

async function timed(check: () => Promise<unknown>): Promise<DependencyStatus> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - started, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The `health` method and event: dependency checks (database, Redis) plus the
 * operational fields modules contribute to /api/health. Cached for a second so
 * polling clients cannot turn into a database load; `probe:true` forces a check.
 */
@Injectable()
export class GatewayHealthService {
  private cached?: GatewayHealth;
  private inflight?: Promise<GatewayHealth>;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly redis: RedisConnections,
    private readonly lifecycle: LifecycleService,
    private readonly contributors: HealthContributors,
  ) {}

  /**
   * Dependency status, cached for a second. With `probe`, checked now and
   * with the operational fields of /api/health (`details`: runs, queues, vault, …).
   */
  snapshot(probe = false): Promise<GatewayHealth> | GatewayHealth {
    if (!probe && this.cached && Date.now() - this.cached.ts < CACHE_MS) return this.cached;
    if (probe) return this.check(true);
    this.inflight ??= this.check(false).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** The last snapshot without checking anything (hello-ok). */
  last(): GatewayHealth | undefined {
    return this.cached;
  }

  private async check(withDetails: boolean): Promise<GatewayHealth> {
    const started = Date.now();
    const [database, redis, details] = await Promise.all([
      timed(() => this.ds.query('SELECT 1')),
      this.redis.configured ? timed(() => this.redis.ping()) : Promise.resolve<DependencyStatus>({ ok: true, configured: false }),
      withDetails ? this.contributors.collect().catch(() => ({})) : Promise.resolve(undefined),
    ]);
    const ok = database.ok && redis.ok;
    const snapshot: GatewayHealth = {
      ok,
      ts: Date.now(),
      durationMs: Date.now() - started,
      status: this.lifecycle.draining ? 'draining' : ok ? 'ok' : 'degraded',
      version: SERVICE_VERSION,
      uptimeMs: Date.now() - this.lifecycle.startedAt,
      database,
      redis,
    };
    // Frozen: answered as is to many sockets, and serialized once (see sendResponse).
    this.cached = Object.freeze(snapshot);
    return details ? { ...snapshot, details } : this.cached;
  }
}
