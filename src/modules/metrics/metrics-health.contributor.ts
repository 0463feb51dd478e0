import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';
import { HealthContributors } from '../health/health-contributors';
import { MetricsSampler } from './history/metrics-sampler';
import { METRIC } from './metric-names';
import { OtlpExporterService } from './otlp/otlp-exporter.service';
import { ConsumerSources } from './sources/consumer-sources';
import { QueueDepthSources } from './sources/queue-depth-sources';

/** Credentials revoked before their expiry (they must stay on the deny list until they expire). */
const REVOKED_UNEXPIRED_SQL = `
  SELECT
    (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL AND (expires_at IS NULL OR expires_at > now()))
  + (SELECT count(*) FROM agent_tokens WHERE revoked_at IS NOT NULL AND (expires_at IS NULL OR expires_at > now()))
  + (SELECT count(*) FROM browser_sessions WHERE revoked_at IS NOT NULL AND expires_at > now()) AS n`;

/**
 * The OCMT-style operational fields of GET /api/health (with operator.read):
 * wsConnections, queueDepth (+ per queue), consumers, revocationCount, and
 * this module's own history/OTLP state. `no_data` where nobody reports yet.
 */
@Injectable()
export class MetricsHealthContributor implements OnModuleInit {
  constructor(
    private readonly health: HealthContributors,
    private readonly metrics: MetricsRegistry,
    private readonly queues: QueueDepthSources,
    private readonly consumers: ConsumerSources,
    private readonly sampler: MetricsSampler,
    private readonly otlp: OtlpExporterService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  onModuleInit(): void {
    this.health.register(
      'wsConnections',
      async () => (await this.readGauge(METRIC.wsConnections)) ?? 'no_data',
    );
    this.health.register('queueDepth', async () => {
      const depths = await this.queues.readAll();
      const numbers = Object.values(depths).filter((d): d is number => typeof d === 'number');
      return this.queues.names().length ? numbers.reduce((a, b) => a + b, 0) : 'no_data';
    });
    this.health.register('queues', () => this.queues.readAll());
    this.health.register('consumers', () => this.consumers.readAll());
    this.health.register('revocationCount', async () => {
      const rows: { n: string }[] = await this.ds.query(REVOKED_UNEXPIRED_SQL);
      return Number(rows[0]?.n ?? 0);
    });
    this.health.register('metricsHistory', () => ({ ...this.sampler.stats }));
    this.health.register('otlp', () => this.otlp.stats());
    this.health.register('eventLoopLagMs', async () => {
      const p99 = await this.readGauge(METRIC.eventLoopLagP99);
      return p99 === null ? 'no_data' : { p99: Math.round(p99 * 1000 * 100) / 100 };
    });
  }

  /** The sum of a gauge's series, or null when no module registered it. */
  private async readGauge(name: string): Promise<number | null> {
    const gauge = this.metrics.registry.getSingleMetric(name);
    if (!gauge) return null;
    const { values } = await gauge.get();
    return values.reduce((sum, v) => sum + v.value, 0);
  }
}
