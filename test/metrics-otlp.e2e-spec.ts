import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseExposition } from './support/metrics-helpers';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface OtlpMetric {
  name: string;
  sum?: { dataPoints: { asDouble?: number; attributes?: { key: string }[] }[]; isMonotonic?: boolean };
  gauge?: { dataPoints: unknown[] };
  histogram?: {
    dataPoints: { bucketCounts: (string | number)[]; explicitBounds: number[]; count: string | number }[];
  };
}

/** A minimal OTLP/HTTP receiver: POST /v1/metrics with a JSON ExportMetricsServiceRequest. */
class OtlpReceiver {
  readonly requests: {
    resourceMetrics: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeMetrics: { metrics: OtlpMetric[] }[];
    }[];
  }[] = [];
  /** Status to answer with; 200 accepts. */
  status = 200;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/metrics') {
          res.writeHead(404).end();
          return;
        }
        if (this.status !== 200) {
          res.writeHead(this.status).end();
          return;
        }
        this.requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  metrics(): OtlpMetric[] {
    return this.requests.flatMap((r) =>
      r.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics)),
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** A collector that accepts connections and never answers (the worst kind of dead). */
async function hangingCollector(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const snapshot = async (app: TestApp) => (await app.http().get('/api/metrics').set(admin).expect(200)).body;

describe('OTLP export to a collector', () => {
  const receiver = new OtlpReceiver();
  let app: TestApp;
  beforeAll(async () => {
    const url = await receiver.start();
    app = await startTestApp({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTLP_EXPORT_INTERVAL_MS: '100',
        OTLP_RETRY_INITIAL_MS: '50',
        OTLP_RETRY_MAX_MS: '200',
        OTEL_SERVICE_NAME: 'clawcontrol-test',
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await receiver.stop();
  });

  it('sends counters as monotonic sums, histograms with buckets, and the service resource', async () => {
    await app.http().get('/api/auth/api_keys').set(admin).expect(200);
    await waitFor(
      () =>
        receiver
          .metrics()
          .some((m) => m.name === 'http_requests_total' && (m.sum?.dataPoints.length ?? 0) > 0),
      15_000,
      'http_requests_total at the receiver',
    );
    const metrics = receiver.metrics().reverse(); // the latest export first
    const requests = metrics.find(
      (m) => m.name === 'http_requests_total' && (m.sum?.dataPoints.length ?? 0) > 0,
    )!;
    expect(requests.sum!.isMonotonic).toBe(true);
    expect(requests.sum!.dataPoints[0].attributes!.map((a) => a.key).sort()).toEqual([
      'method',
      'route',
      'status',
    ]);
    const latency = metrics.find((m) => m.name === 'http_request_duration_seconds' && m.histogram);
    expect(latency!.histogram!.dataPoints[0].explicitBounds.length).toBeGreaterThan(0);
    expect(latency!.histogram!.dataPoints[0].bucketCounts).toHaveLength(
      latency!.histogram!.dataPoints[0].explicitBounds.length + 1,
    );
    expect(metrics.some((m) => m.name === 'db_pool_connections_in_use' && m.gauge)).toBe(true);
    const resource = receiver.requests[0].resourceMetrics[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'clawcontrol-test' } });
    const stats = (await snapshot(app)).otlp;
    expect(stats).toMatchObject({ enabled: true, dropped_points: 0 });
    expect(stats.exported_batches).toBeGreaterThan(0);
  });

  it('retries while the collector answers 503 and delivers once it recovers', async () => {
    receiver.status = 503;
    const before = (await snapshot(app)).otlp;
    await waitFor(
      async () => (await snapshot(app)).otlp.failed_exports > before.failed_exports,
      15_000,
      'a failed export',
    );
    const delivered = receiver.requests.length;
    receiver.status = 200;
    await waitFor(() => receiver.requests.length > delivered, 15_000, 'delivery after recovery');
    const after = (await snapshot(app)).otlp;
    expect(after.last_error).toEqual(expect.any(String));
    expect(after.exported_batches).toBeGreaterThan(before.exported_batches);
  });
});

describe('OTLP export to a dead collector', () => {
  const capacity = 300;
  let collector: Awaited<ReturnType<typeof hangingCollector>>;
  let app: TestApp;
  beforeAll(async () => {
    collector = await hangingCollector();
    app = await startTestApp({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTLP_QUEUE_CAPACITY: String(capacity),
        OTLP_EXPORT_INTERVAL_MS: '50',
        OTLP_TIMEOUT_MS: '300',
        OTLP_RETRY_INITIAL_MS: '50',
        OTLP_RETRY_MAX_MS: '200',
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await collector.stop();
  });

  it('keeps the queue within OTLP_QUEUE_CAPACITY, counts dropped points, and never slows requests', async () => {
    const seen: number[] = [];
    const started = Date.now();
    await waitFor(
      async () => {
        const t0 = Date.now();
        await app.http().get('/healthz').expect(200);
        expect(Date.now() - t0).toBeLessThan(2000); // never waits for the collector
        const { otlp } = await snapshot(app);
        seen.push(otlp.queued_points);
        return otlp.dropped_points > capacity * 3;
      },
      30_000,
      'points dropped at the bounded queue',
    );
    expect(Math.max(...seen)).toBeLessThanOrEqual(capacity);
    const families = parseExposition((await app.http().get('/metrics').expect(200)).text);
    const dropped = families
      .get('otlp_dropped_points_total')!
      .metrics.find((m) => m.labels?.reason === 'full');
    expect(Number(dropped!.value)).toBeGreaterThan(capacity * 3);
    expect(Number(families.get('otlp_queued_points')!.metrics[0].value)).toBeLessThanOrEqual(capacity);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
