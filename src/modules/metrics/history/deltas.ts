import { GAUGE_AGGREGATION } from '../metric-names';
import { emptyPoint, HistogramValue, MetricPoint, SeriesValues } from './metric-point';

/** A persisted point as the computations need it (the entity, or a synthetic one in tests). */
export interface StoredPoint extends MetricPoint {
  replicaId: string;
  capturedAt: Date;
  intervalS: number;
  processStartedAt: Date;
}

/** What happened in one replica between its previous point and this one. */
export interface PointDelta {
  replicaId: string;
  capturedAt: Date;
  /** Seconds this delta covers. */
  spanS: number;
  counters: Record<string, SeriesValues>;
  histograms: Record<string, HistogramValue>;
  /** The gauges at the end of the span (not deltas). */
  gauges: Record<string, SeriesValues>;
}

/** cur − prev; a negative result means the counter was reset (restart) and the new value is the delta. */
function counterDelta(cur: number, prev: number | undefined): number {
  if (prev === undefined) return cur;
  const d = cur - prev;
  return d < 0 ? cur : d;
}

function seriesDelta(cur: SeriesValues, prev: SeriesValues | undefined): SeriesValues {
  const out: SeriesValues = {};
  for (const [k, v] of Object.entries(cur)) {
    const d = counterDelta(v, prev?.[k]);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function histogramDelta(cur: HistogramValue, prev: HistogramValue | undefined): HistogramValue {
  if (
    !prev ||
    cur.count < prev.count ||
    Object.entries(cur.buckets).some(([le, v]) => v < (prev.buckets[le] ?? 0))
  ) {
    return cur; // first sight of it, or reset
  }
  const buckets: Record<string, number> = {};
  for (const [le, v] of Object.entries(cur.buckets)) buckets[le] = v - (prev.buckets[le] ?? 0);
  return { buckets, sum: Math.max(0, cur.sum - prev.sum), count: cur.count - prev.count };
}

/** The delta of `cur` against `prev`; with no previous point (or after a restart) the whole value counts. */
export function pointDelta(cur: StoredPoint, prev: StoredPoint | undefined): PointDelta {
  const restarted = !prev || prev.processStartedAt.getTime() !== cur.processStartedAt.getTime();
  const base = restarted ? undefined : prev;
  const counters: Record<string, SeriesValues> = {};
  for (const [name, series] of Object.entries(cur.counters)) {
    const d = seriesDelta(series, base?.counters[name]);
    if (Object.keys(d).length) counters[name] = d;
  }
  const histograms: Record<string, HistogramValue> = {};
  for (const [name, h] of Object.entries(cur.histograms)) {
    const d = histogramDelta(h, base?.histograms[name]);
    if (d.count > 0) histograms[name] = d;
  }
  const from = base ? base.capturedAt.getTime() : cur.processStartedAt.getTime();
  return {
    replicaId: cur.replicaId,
    capturedAt: cur.capturedAt,
    spanS: Math.max(0, (cur.capturedAt.getTime() - from) / 1000),
    counters,
    histograms,
    gauges: cur.gauges,
  };
}

/**
 * Deltas of every point inside [since, …), per replica. `baselines` holds each
 * replica's last point before `since`. A replica without a baseline counts its
 * first point whole only when its process started inside the window (otherwise
 * those counts belong before the window and the point only becomes a baseline).
 */
export function windowDeltas(points: StoredPoint[], baselines: StoredPoint[], since: Date): PointDelta[] {
  const prevByReplica = new Map<string, StoredPoint>(baselines.map((b) => [b.replicaId, b]));
  const sorted = [...points].sort((a, b) => a.capturedAt.getTime() - b.capturedAt.getTime());
  const out: PointDelta[] = [];
  for (const p of sorted) {
    const prev = prevByReplica.get(p.replicaId);
    prevByReplica.set(p.replicaId, p);
    if (!prev && p.processStartedAt.getTime() < since.getTime()) continue;
    out.push(pointDelta(p, prev));
  }
  return out;
}

function addSeries(into: Record<string, SeriesValues>, from: Record<string, SeriesValues>): void {
  for (const [name, series] of Object.entries(from)) {
    const target = (into[name] ??= {});
    for (const [k, v] of Object.entries(series)) target[k] = (target[k] ?? 0) + v;
  }
}

function addHistograms(into: Record<string, HistogramValue>, from: Record<string, HistogramValue>): void {
  for (const [name, h] of Object.entries(from)) {
    const target = (into[name] ??= { buckets: {}, sum: 0, count: 0 });
    for (const [le, v] of Object.entries(h.buckets)) target.buckets[le] = (target.buckets[le] ?? 0) + v;
    target.sum += h.sum;
    target.count += h.count;
  }
}

/** The sum of several deltas (any replicas, any spans). */
export function sumDeltas(deltas: PointDelta[]): MetricPoint {
  const total = emptyPoint();
  for (const d of deltas) {
    addSeries(total.counters, d.counters);
    addHistograms(total.histograms, d.histograms);
  }
  return total;
}

/** A point or a delta: anything with a replica, a time and gauges. */
export type GaugeCarrier = Pick<PointDelta, 'replicaId' | 'capturedAt' | 'gauges'>;

/**
 * Gauges of several replicas at their latest point among `deltas`: each
 * replica's series of a gauge are summed, then replicas are summed or
 * maxed as GAUGE_AGGREGATION says. Returned as `{ <gauge>: { '': value } }`.
 */
export function latestGauges(deltas: GaugeCarrier[]): Record<string, SeriesValues> {
  const latest = new Map<string, GaugeCarrier>();
  for (const d of deltas) {
    const seen = latest.get(d.replicaId);
    if (!seen || seen.capturedAt <= d.capturedAt) latest.set(d.replicaId, d);
  }
  const out: Record<string, SeriesValues> = {};
  for (const d of latest.values()) {
    for (const [name, series] of Object.entries(d.gauges)) {
      const value = Object.values(series).reduce((a, b) => a + b, 0);
      const prev = out[name]?.[''];
      const mode = GAUGE_AGGREGATION[name] ?? 'max';
      out[name] = { '': prev === undefined ? value : mode === 'sum' ? prev + value : Math.max(prev, value) };
    }
  }
  return out;
}

/** Seconds of data behind a set of deltas: the longest any one replica covers. */
export function coveredSeconds(deltas: PointDelta[]): number {
  const byReplica = new Map<string, number>();
  for (const d of deltas) byReplica.set(d.replicaId, (byReplica.get(d.replicaId) ?? 0) + d.spanS);
  return Math.max(0, ...byReplica.values());
}
