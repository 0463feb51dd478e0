import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';

/**
 * The one Prometheus registry of this process. Modules record into it through
 * the typed metrics below or register their own with counter()/gauge()/histogram(),
 * which return the existing metric when the name is already registered.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  readonly httpRequests = this.counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['method', 'route', 'status'],
  });

  readonly httpDuration = this.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  readonly rateLimitHits = this.counter({
    name: 'rate_limit_hits_total',
    help: 'Requests refused by a rate limit, by limit name',
    labelNames: ['limit'],
  });

  readonly rateLimitBackendErrors = this.counter({
    name: 'rate_limit_backend_errors_total',
    help: 'Rate-limit backend (Redis) failures; each let the request through',
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<T extends string>(config: CounterConfiguration<T>): Counter<T> {
    return (this.registry.getSingleMetric(config.name) as Counter<T>) ?? new Counter({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: GaugeConfiguration<T>): Gauge<T> {
    return (this.registry.getSingleMetric(config.name) as Gauge<T>) ?? new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: HistogramConfiguration<T>): Histogram<T> {
    return (
      (this.registry.getSingleMetric(config.name) as Histogram<T>) ?? new Histogram({ ...config, registers: [this.registry] })
    );
  }
}
