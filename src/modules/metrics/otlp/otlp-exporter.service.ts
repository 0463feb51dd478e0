import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { MetricsRegistry } from '../../../common/metrics/metrics-registry';
import { SERVICE_VERSION } from '../../../version';
import { ReplicaIdentity } from '../history/replica-identity';
import { METRIC } from '../metric-names';
import { MetricsConfig } from '../metrics.config';
import { BoundedExportQueue } from './bounded-export-queue';
import { countPoints, PromMetricProducer } from './prom-metric-producer';

export interface OtlpStats {
  enabled: boolean;
  /** Collector URL without credentials or query. */
  endpoint: string | null;
  queue_capacity_points: number;
  queued_points: number;
  dropped_points: number;
  exported_batches: number;
  failed_exports: number;
  last_success_at: string | null;
  last_error: string | null;
}

const SHUTDOWN_FLUSH_MS = 2000;

/** The collector's metrics URL: <endpoint>/v1/metrics, as the OTLP spec derives it from OTEL_EXPORTER_OTLP_ENDPOINT. */
export function otlpMetricsUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/metrics`;
}

function redactedUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function isPermanent(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' && code >= 400 && code < 500 && code !== 408 && code !== 429;
}

/**
 * OTLP/HTTP export of the prom-client registry when OTEL_EXPORTER_OTLP_ENDPOINT
 * is set. Every OTLP_EXPORT_INTERVAL_MS a snapshot (PromMetricProducer, an
 * OpenTelemetry SDK MetricProducer) is queued; one sender pushes batches
 * through the SDK's OTLPMetricExporter, retrying with backoff. The queue is
 * bounded by OTLP_QUEUE_CAPACITY points: the oldest batches are dropped and
 * counted in otlp_dropped_points_total. Values are cumulative, so a dropped
 * batch loses resolution, never totals.
 */
@Injectable()
export class OtlpExporterService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OtlpExporter');
  private exporter?: OTLPMetricExporter;
  private producer?: PromMetricProducer;
  private queue?: BoundedExportQueue<CollectionResult>;
  private timer?: NodeJS.Timeout;
  private collecting = false;
  private readonly url?: string;
  private readonly counters = {
    dropped: 0,
    exported: 0,
    failed: 0,
    lastSuccessAt: null as string | null,
    lastError: null as string | null,
  };
  private lastWarnAt = 0;

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly config: MetricsConfig,
    private readonly replica: ReplicaIdentity,
  ) {
    if (config.otlpEndpoint) this.url = otlpMetricsUrl(config.otlpEndpoint);
  }

  get enabled(): boolean {
    return !!this.url;
  }

  onApplicationBootstrap(): void {
    if (!this.url) return;
    const dropped = this.metrics.counter({
      name: METRIC.otlpDroppedPoints,
      help: 'OTLP data points dropped (queue full, rejected by the collector, or left at shutdown)',
      labelNames: ['reason'],
    });
    const failures = this.metrics.counter({
      name: METRIC.otlpExportFailures,
      help: 'Failed OTLP export attempts',
    });
    const queuedPoints = () => this.queue?.size ?? 0;
    this.metrics.gauge({
      name: METRIC.otlpQueuedPoints,
      help: 'OTLP data points waiting to be exported',
      collect() {
        this.set(queuedPoints());
      },
    });

    this.exporter = new OTLPMetricExporter({
      url: this.url,
      timeoutMillis: this.config.otlpTimeoutMs,
      temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
    });
    const resource = resourceFromAttributes({
      'service.name': this.config.otelServiceName,
      'service.version': SERVICE_VERSION,
      'service.instance.id': this.replica.id,
    });
    this.producer = new PromMetricProducer(this.metrics.registry, resource, this.replica.startedAt.getTime());
    const exporter = this.exporter;
    this.queue = new BoundedExportQueue<CollectionResult>({
      capacity: this.config.otlpQueueCapacity,
      sizeOf: countPoints,
      send: (batch) =>
        new Promise<void>((resolve, reject) =>
          exporter.export(batch.resourceMetrics, (result) =>
            result.code === 0 ? resolve() : reject(result.error ?? new Error('OTLP export failed')),
          ),
        ),
      isPermanent,
      onDrop: (points, reason) => {
        this.counters.dropped += points;
        dropped.inc({ reason }, points);
      },
      onFailure: (err) => {
        this.counters.failed++;
        this.counters.lastError = (err as Error)?.message ?? String(err);
        failures.inc();
        if (Date.now() - this.lastWarnAt > 60_000) {
          this.lastWarnAt = Date.now();
          this.logger.warn(
            `OTLP export to ${redactedUrl(this.url!)} failed (will retry): ${this.counters.lastError}`,
          );
        }
      },
      onSuccess: () => {
        this.counters.exported++;
        this.counters.lastSuccessAt = new Date().toISOString();
      },
      initialBackoffMs: this.config.otlpRetryInitialMs,
      maxBackoffMs: this.config.otlpRetryMaxMs,
    });
    this.timer = setInterval(() => void this.collectNow(), this.config.otlpExportIntervalMs);
    this.timer.unref();
    this.logger.log(
      `exporting metrics over OTLP/HTTP to ${redactedUrl(this.url)} every ${this.config.otlpExportIntervalMs} ms`,
    );
  }

  /** Queues one snapshot of the registry (never waits for the collector). */
  async collectNow(): Promise<void> {
    if (!this.producer || !this.queue || this.collecting) return;
    this.collecting = true;
    try {
      this.queue.enqueue(await this.producer.collect());
    } catch (err) {
      this.logger.warn(`OTLP snapshot failed: ${(err as Error).message}`);
    } finally {
      this.collecting = false;
    }
  }

  stats(): OtlpStats {
    return {
      enabled: this.enabled,
      endpoint: this.url ? redactedUrl(this.url) : null,
      queue_capacity_points: this.config.otlpQueueCapacity,
      queued_points: this.queue?.size ?? 0,
      dropped_points: this.counters.dropped,
      exported_batches: this.counters.exported,
      failed_exports: this.counters.failed,
      last_success_at: this.counters.lastSuccessAt,
      last_error: this.counters.lastError,
    };
  }

  /** Final snapshot, a short bounded flush, then whatever is left is dropped (and counted). */
  async onApplicationShutdown(): Promise<void> {
    if (!this.queue) return;
    clearInterval(this.timer);
    await this.collectNow();
    await this.queue.drain(Math.min(SHUTDOWN_FLUSH_MS, this.config.otlpTimeoutMs));
    this.queue.stop();
    await this.exporter?.shutdown().catch(() => undefined);
  }
}
