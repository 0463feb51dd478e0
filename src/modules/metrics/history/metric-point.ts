import type { Registry } from 'prom-client';
import { HISTORY_GAUGES, isProcessDefaultMetric } from '../metric-names';

/** Values of one metric by label set (`labelKey()`; '' when the metric has no labels). */
export type SeriesValues = Record<string, number>;

/** A histogram summed over its labels: cumulative bucket counts by `le`, plus sum and count. */
export interface HistogramValue {
  buckets: Record<string, number>;
  sum: number;
  count: number;
}

/** Everything the snapshot, history and SLOs need from one registry at one moment. */
export interface MetricPoint {
  counters: Record<string, SeriesValues>;
  histograms: Record<string, HistogramValue>;
  gauges: Record<string, SeriesValues>;
}

export const emptyPoint = (): MetricPoint => ({ counters: {}, histograms: {}, gauges: {} });

/** Canonical, bounded key of a label set: `a=x,b=y` with sorted names and URI-encoded values. */
export function labelKey(labels: Record<string, string | number | undefined>): string {
  return Object.keys(labels)
    .filter((k) => labels[k] !== undefined)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(String(labels[k]))}`)
    .join(',');
}

export function parseLabelKey(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!key) return out;
  for (const part of key.split(',')) {
    const eq = part.indexOf('=');
    out[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

interface PromJsonValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface PromJsonMetric {
  name: string;
  type: string;
  values: PromJsonValue[];
}

/**
 * Reads the registry (running every collector) into a MetricPoint. Application
 * counters and histograms are taken whole; of the gauges only HISTORY_GAUGES
 * (the process defaults would bloat every row).
 */
export async function capturePoint(registry: Registry): Promise<MetricPoint> {
  const metrics = (await registry.getMetricsAsJSON()) as unknown as PromJsonMetric[];
  const point = emptyPoint();
  for (const m of metrics) {
    if (m.type === 'counter' && !isProcessDefaultMetric(m.name)) {
      point.counters[m.name] = seriesOf(m.values);
    } else if (m.type === 'gauge' && HISTORY_GAUGES.includes(m.name)) {
      point.gauges[m.name] = seriesOf(m.values);
    } else if (m.type === 'histogram' && !isProcessDefaultMetric(m.name)) {
      point.histograms[m.name] = histogramOf(m.name, m.values);
    }
  }
  return point;
}

function seriesOf(values: PromJsonValue[]): SeriesValues {
  const out: SeriesValues = {};
  for (const v of values) {
    if (!Number.isFinite(v.value)) continue;
    const key = labelKey(v.labels ?? {});
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

function histogramOf(name: string, values: PromJsonValue[]): HistogramValue {
  const h: HistogramValue = { buckets: {}, sum: 0, count: 0 };
  for (const v of values) {
    if (v.metricName === `${name}_bucket`) {
      const le = String(v.labels.le);
      h.buckets[le] = (h.buckets[le] ?? 0) + v.value;
    } else if (v.metricName === `${name}_sum`) {
      h.sum += v.value;
    } else if (v.metricName === `${name}_count`) {
      h.count += v.value;
    }
  }
  return h;
}

/** Sum of a metric's series whose labels match `where` (all series when omitted). */
export function sumSeries(series: SeriesValues | undefined, where: Record<string, string> = {}): number {
  if (!series) return 0;
  let total = 0;
  for (const [key, value] of Object.entries(series)) {
    const labels = parseLabelKey(key);
    if (Object.entries(where).every(([k, v]) => labels[k] === v)) total += value;
  }
  return total;
}

/** A metric's values grouped by one label: `{ <label value>: sum }`. */
export function groupBy(series: SeriesValues | undefined, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!series) return out;
  for (const [key, value] of Object.entries(series)) {
    const group = parseLabelKey(key)[label] ?? '';
    out[group] = (out[group] ?? 0) + value;
  }
  return out;
}
