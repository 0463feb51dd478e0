import { HrTime, ValueType } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  CollectionResult,
  DataPointType,
  MetricData,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';

interface PromJsonValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface PromJsonMetric {
  name: string;
  help: string;
  type: string;
  values: PromJsonValue[];
}

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

function attributesOf(labels: Record<string, string | number>, without?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (k !== without) out[k] = String(v);
  return out;
}

/** The number of data points in a collection (what OTLP_QUEUE_CAPACITY counts). */
export function countPoints(result: CollectionResult): number {
  return result.resourceMetrics.scopeMetrics.reduce(
    (n, s) => n + s.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0),
    0,
  );
}

/**
 * Bridges the prom-client registry into OpenTelemetry: an SDK MetricProducer
 * whose collect() turns a registry snapshot into OTel metric data — counters
 * as monotonic cumulative sums, gauges as gauges, histograms as explicit-bucket
 * histograms (cumulative, start time = process start). Names stay the
 * Prometheus names, so dashboards match /metrics.
 */
export class PromMetricProducer implements MetricProducer {
  constructor(
    private readonly registry: Registry,
    private readonly resource: Resource,
    private readonly startedAtMs: number,
    private readonly scopeName = 'clawcontrol',
  ) {}

  async collect(): Promise<CollectionResult> {
    const metrics = (await this.registry.getMetricsAsJSON()) as unknown as PromJsonMetric[];
    const start = hrTime(this.startedAtMs);
    const end = hrTime(Date.now());
    const out: MetricData[] = [];
    for (const m of metrics) {
      const descriptor = { name: m.name, description: m.help ?? '', unit: '', valueType: ValueType.DOUBLE };
      const finite = (m.values ?? []).filter((v) => Number.isFinite(v.value));
      if (m.type === 'counter') {
        out.push({
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: finite.map((v) => ({
            startTime: start,
            endTime: end,
            attributes: attributesOf(v.labels),
            value: v.value,
          })),
        });
      } else if (m.type === 'gauge') {
        out.push({
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: finite.map((v) => ({
            startTime: end,
            endTime: end,
            attributes: attributesOf(v.labels),
            value: v.value,
          })),
        });
      } else if (m.type === 'histogram') {
        out.push({
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histogramPoints(m, start, end),
        });
      }
    }
    return {
      resourceMetrics: {
        resource: this.resource,
        scopeMetrics: [{ scope: { name: this.scopeName }, metrics: out }],
      },
      errors: [],
    };
  }
}

function histogramPoints(m: PromJsonMetric, start: HrTime, end: HrTime) {
  const series = new Map<
    string,
    { attributes: Record<string, string>; buckets: Map<number, number>; sum: number; count: number }
  >();
  for (const v of m.values) {
    const attributes = attributesOf(v.labels, 'le');
    const key = JSON.stringify(Object.entries(attributes).sort());
    let s = series.get(key);
    if (!s) series.set(key, (s = { attributes, buckets: new Map(), sum: 0, count: 0 }));
    if (v.metricName === `${m.name}_bucket`)
      s.buckets.set(v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), v.value);
    else if (v.metricName === `${m.name}_sum`) s.sum = v.value;
    else if (v.metricName === `${m.name}_count`) s.count = v.value;
  }
  return [...series.values()].map((s) => {
    const les = [...s.buckets.keys()].sort((a, b) => a - b);
    const boundaries = les.filter((le) => le !== Infinity);
    const counts: number[] = [];
    let prev = 0;
    for (const le of boundaries) {
      const cum = s.buckets.get(le) ?? prev;
      counts.push(Math.max(0, cum - prev));
      prev = cum;
    }
    counts.push(Math.max(0, s.count - prev)); // the overflow bucket
    return {
      startTime: start,
      endTime: end,
      attributes: s.attributes,
      value: { buckets: { boundaries, counts }, sum: s.sum, count: s.count },
    };
  });
}
