import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '../../../common/metrics/metrics-registry';
import { MetricsConfig } from '../metrics.config';
import { PointDelta, StoredPoint, sumDeltas, latestGauges, windowDeltas } from './deltas';
import { capturePoint } from './metric-point';
import { CounterView, counterView, GaugeView, gaugeView } from './metric-views';
import { MetricsHistoryRepository } from './metrics-history.repository';
import { ReplicaIdentity } from './replica-identity';

export interface HistoryItem extends CounterView {
  bucket_start: string;
  bucket_end: string;
  /** Replicas that reported a point in this interval. */
  replicas: number;
  gauges: GaugeView;
}

export interface HistoryPage {
  items: HistoryItem[];
  total: number;
  limit: number;
  offset: number;
  minutes: number;
  interval_s: number;
}

/** Points and deltas of a time window, read from metrics_history (all replicas). */
export interface WindowData {
  points: StoredPoint[];
  deltas: PointDelta[];
}

/**
 * metrics_history: each replica persists its cumulative counters every
 * METRICS_HISTORY_INTERVAL_S; reads turn them into per-interval deltas summed
 * over replicas (a counter that went down was reset by a restart: the new
 * value is the delta). Must run inside a context of the platform organization.
 */
@Injectable()
export class MetricsHistoryService {
  constructor(
    private readonly repo: MetricsHistoryRepository,
    private readonly metrics: MetricsRegistry,
    private readonly replica: ReplicaIdentity,
    private readonly config: MetricsConfig,
  ) {}

  /** Captures this replica's registry and stores it as one point. */
  async persistPoint(at = new Date()): Promise<StoredPoint> {
    const point: StoredPoint = {
      ...(await capturePoint(this.metrics.registry)),
      replicaId: this.replica.id,
      capturedAt: at,
      intervalS: this.config.historyIntervalS,
      processStartedAt: this.replica.startedAt,
    };
    await this.repo.insert(point);
    return point;
  }

  /** Stores a point exactly as given (imports, tests with synthetic history). */
  insertPoint(point: StoredPoint): Promise<void> {
    return this.repo.insert(point);
  }

  /** Deletes points captured before `date`; the scheduler's cleanup jobs may call this. */
  purgeOlderThan(date: Date): Promise<number> {
    return this.repo.purgeOlderThan(date);
  }

  async window(seconds: number, now = new Date()): Promise<WindowData> {
    const since = new Date(now.getTime() - seconds * 1000);
    const points = await this.repo.between(since, now);
    const replicas = [...new Set(points.map((p) => p.replicaId))];
    const baselines = await this.repo.lastBefore(since, replicas);
    return { points, deltas: windowDeltas(points, baselines, since) };
  }

  /** Per-interval deltas of the last `minutes`, oldest first; the latest `limit` intervals. */
  async history(minutes: number, limit: number, now = new Date()): Promise<HistoryPage> {
    const intervalS = this.config.historyIntervalS;
    const bucketMs = intervalS * 1000;
    const { deltas } = await this.window(minutes * 60, now);
    const buckets = new Map<number, PointDelta[]>();
    for (const d of deltas) {
      const start = Math.floor(d.capturedAt.getTime() / bucketMs) * bucketMs;
      const list = buckets.get(start) ?? [];
      list.push(d);
      buckets.set(start, list);
    }
    const starts = [...buckets.keys()].sort((a, b) => a - b);
    const items = starts.slice(Math.max(0, starts.length - limit)).map((start) => {
      const group = buckets.get(start)!;
      return {
        bucket_start: new Date(start).toISOString(),
        bucket_end: new Date(start + bucketMs).toISOString(),
        replicas: new Set(group.map((d) => d.replicaId)).size,
        ...counterView(sumDeltas(group)),
        gauges: gaugeView(latestGauges(group)),
      };
    });
    return { items, total: starts.length, limit, offset: 0, minutes, interval_s: intervalS };
  }
}
