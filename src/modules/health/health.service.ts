import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LifecycleService } from '../../common/lifecycle/lifecycle.service';
import { RedisConnections } from '../../common/redis/redis-connections';
import { poolStats } from '../../database/pool-stats';
import { SERVICE_VERSION } from '../../version';
import { HealthContributors } from './health-contributors';

@Injectable()
export class HealthService {
  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly redis: RedisConnections,
    private readonly contributors: HealthContributors,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  get draining(): boolean {
    return this.lifecycle.draining;
  }

  get redisConfigured(): boolean {
    return this.redis.configured;
  }

  async report(withDetails: boolean): Promise<Record<string, unknown>> {
    const base = {
      status: this.lifecycle.draining ? 'draining' : 'ok',
      version: SERVICE_VERSION,
      uptime_s: Math.round((Date.now() - this.lifecycle.startedAt) / 1000),
    };
    if (!withDetails) return base;
    return {
      ...base,
      db_pool: poolStats(this.ds),
      memory: process.memoryUsage(),
      ...(await this.contributors.collect()),
    };
  }
}
