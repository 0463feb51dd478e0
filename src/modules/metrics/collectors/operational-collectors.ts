import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from '../../../common/metrics/metrics-registry';
import { poolStats } from '../../../database/pool-stats';
import { METRIC } from '../metric-names';
import { QueueDepthSources } from '../sources/queue-depth-sources';
import { memoryLimit, memoryUsagePercent } from './memory-limit';

const NON_CONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Gauges read at collection time (each scrape, each history point): the DB
 * pool, memory against its limit, and the queue depths modules register.
 * Event-loop lag and process memory come from prom-client's default metrics.
 */
@Injectable()
export class OperationalCollectors implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsRegistry,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly queues: QueueDepthSources,
  ) {}

  onModuleInit(): void {
    // prom-client's defaults include gauges named *_total, which `promtool check metrics`
    // rejects; the same numbers stay available as nodejs_active_{handles,requests,resources}.
    for (const name of NON_CONFORMING_DEFAULTS) this.metrics.registry.removeSingleMetric(name);

    const pool = () => poolStats(this.ds);
    this.gauge(METRIC.dbPoolInUse, 'Database connections of this replica in use', () => pool().in_use);
    this.gauge(METRIC.dbPoolIdle, 'Database connections of this replica idle in the pool', () => pool().idle);
    this.gauge(METRIC.dbPoolWaiting, 'Callers waiting for a database connection', () => pool().waiting);
    this.gauge(METRIC.dbPoolMax, 'Size limit of the database pool', () => pool().max);
    this.gauge(METRIC.dbPoolUsagePercent, 'Database connections in use, % of the pool size', () => {
      const s = pool();
      return s.max > 0 ? (s.in_use / s.max) * 100 : 0;
    });
    this.gauge(
      METRIC.memoryUsagePercent,
      'Memory in use, % of the container limit (else of the V8 heap limit)',
      memoryUsagePercent,
    );

    const limit = this.metrics.gauge({
      name: METRIC.memoryLimitBytes,
      help: 'The memory limit memory_usage_percent is measured against',
      labelNames: ['source'],
    });
    const { bytes, source } = memoryLimit();
    limit.set({ source }, bytes);

    const queues = this.queues;
    this.metrics.gauge({
      name: METRIC.queueDepth,
      help: 'Items waiting in each durable work queue (cluster-wide)',
      labelNames: ['queue'],
      async collect() {
        this.reset();
        const depths = await queues.readAll();
        for (const [queue, depth] of Object.entries(depths)) {
          if (typeof depth === 'number' && Number.isFinite(depth)) this.set({ queue }, depth);
        }
      },
    });
  }

  private gauge(name: string, help: string, read: () => number): void {
    this.metrics.gauge({
      name,
      help,
      collect() {
        this.set(read());
      },
    });
  }
}
