import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RedisConnections } from '../../common/redis/redis-connections';
import { pendingMigrationNames } from '../../database/migration-runner';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The dependencies /readyz checks: database, pending migrations, Redis when configured. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly redis: RedisConnections,
  ) {}

  async database(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('database');
    try {
      await withTimeout(this.ds.query('SELECT 1'), 'database');
      return check.up();
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }

  async migrations(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('migrations');
    try {
      const pending = await withTimeout(pendingMigrationNames(this.ds), 'migration table');
      return pending.length === 0 ? check.up() : check.down({ message: `pending: ${pending.join(', ')}` });
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }

  async redisCheck(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('redis');
    try {
      await withTimeout(this.redis.ping(), 'redis');
      return check.up();
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }
}
