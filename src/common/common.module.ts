import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventBus } from './events/event-bus';
import { ProblemFilter } from './errors/problem.filter';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { MetricsRegistry } from './metrics/metrics-registry';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimiterService } from './rate-limit/rate-limiter.service';
import { RedisConnections } from './redis/redis-connections';

/** Cross-cutting services every module may inject. */
@Global()
@Module({
  providers: [
    MetricsRegistry,
    RedisConnections,
    RateLimiterService,
    LifecycleService,
    EventBus,
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [MetricsRegistry, RedisConnections, RateLimiterService, LifecycleService, EventBus],
})
export class CommonModule {}
