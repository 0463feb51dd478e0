import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';
import { capturePoint } from './history/metric-point';
import { CounterView, counterView, GaugeView, gaugeView } from './history/metric-views';
import { ReplicaIdentity } from './history/replica-identity';
import { memoryLimit } from './collectors/memory-limit';
import { OtlpExporterService, OtlpStats } from './otlp/otlp-exporter.service';

export interface MetricsSnapshot extends CounterView {
  /** The counters are this replica's, cumulative since it started; history and summary cover all replicas. */
  scope: 'replica';
  replica_id: string;
  started_at: string;
  captured_at: string;
  gauges: GaugeView & { memory_limit_bytes: number; memory_limit_source: 'cgroup' | 'heap' };
  otlp: OtlpStats;
}

/** GET /api/metrics: the live registry of this replica under the runbook's keys. */
@Injectable()
export class MetricsSnapshotService {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly replica: ReplicaIdentity,
    private readonly otlp: OtlpExporterService,
  ) {}

  async snapshot(): Promise<MetricsSnapshot> {
    const point = await capturePoint(this.metrics.registry);
    const limit = memoryLimit();
    return {
      scope: 'replica',
      replica_id: this.replica.id,
      started_at: this.replica.startedAt.toISOString(),
      captured_at: new Date().toISOString(),
      ...counterView(point),
      gauges: {
        ...gaugeView(point.gauges),
        memory_limit_bytes: limit.bytes,
        memory_limit_source: limit.source,
      },
      otlp: this.otlp.stats(),
    };
  }
}
