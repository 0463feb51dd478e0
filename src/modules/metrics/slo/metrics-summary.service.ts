import { Injectable } from '@nestjs/common';
import { latestGauges, PointDelta, sumDeltas, coveredSeconds } from '../history/deltas';
import { MetricsHistoryService } from '../history/metrics-history.service';
import { counterView, gaugeView } from '../history/metric-views';
import { MetricsConfig } from '../metrics.config';
import { SloSources } from '../sources/slo-sources';
import { evaluateSlos, evaluateThresholds, SloResult, ThresholdResult } from './slo-evaluator';

export interface MetricsSummary {
  generated_at: string;
  /** Replicas with points in the SLO window. */
  replicas: number;
  slo: Record<string, SloResult>;
  thresholds: Record<string, ThresholdResult>;
  /** Names of the SLOs burning now. */
  burning: string[];
  /** Names of the thresholds at warning or critical now. */
  alerts: string[];
}

const since = (deltas: PointDelta[], now: Date, seconds: number) =>
  deltas.filter((d) => d.capturedAt.getTime() > now.getTime() - seconds * 1000);

/**
 * SLOs and thresholds computed from metrics_history (every replica, surviving
 * restarts): counter deltas over METRICS_SLO_WINDOW_S / METRICS_THRESHOLD_WINDOW_S,
 * gauges from each replica's latest point inside the threshold window.
 * Data lags live traffic by at most one history interval.
 */
@Injectable()
export class MetricsSummaryService {
  constructor(
    private readonly history: MetricsHistoryService,
    private readonly config: MetricsConfig,
    private readonly slos: SloSources,
  ) {}

  async summary(now = new Date()): Promise<MetricsSummary> {
    const { sloWindowS, thresholdWindowS } = this.config;
    const { points, deltas } = await this.history.window(Math.max(sloWindowS, thresholdWindowS), now);
    const sloDeltas = since(deltas, now, sloWindowS);
    const thresholdDeltas = since(deltas, now, thresholdWindowS);
    const recentPoints = points.filter(
      (p) => p.capturedAt.getTime() > now.getTime() - thresholdWindowS * 1000,
    );
    const input = {
      slo: counterView(sumDeltas(sloDeltas)),
      sloWindowS,
      threshold: counterView(sumDeltas(thresholdDeltas)),
      thresholdWindowS,
      thresholdCoveredS: Math.min(thresholdWindowS, coveredSeconds(thresholdDeltas)),
      gauges: gaugeView(latestGauges(recentPoints)),
      external: await this.slos.readAll(),
    };
    const slo = evaluateSlos(input, this.config);
    const thresholds = evaluateThresholds(input, this.config);
    return {
      generated_at: now.toISOString(),
      replicas: new Set(sloDeltas.map((d) => d.replicaId)).size,
      slo,
      thresholds,
      burning: Object.values(slo)
        .filter((s) => s.status === 'burning')
        .map((s) => s.name),
      alerts: Object.values(thresholds)
        .filter((t) => t.state === 'warning' || t.state === 'critical')
        .map((t) => t.name),
    };
  }
}
