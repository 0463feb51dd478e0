import { DataSource } from 'typeorm';
import { systemPrincipal } from '../src/common/context/principal';
import { RequestContext } from '../src/common/context/request-context';
import { StoredPoint } from '../src/modules/metrics/history/deltas';
import { HistogramValue, labelKey } from '../src/modules/metrics/history/metric-point';
import { MetricsHistoryService } from '../src/modules/metrics/history/metrics-history.service';
import { PlatformOrganization } from '../src/modules/metrics/platform-organization';
import { AlertTransitionsService } from '../src/modules/metrics/slo/alert-transitions.service';
import { MetricsSummary, MetricsSummaryService } from '../src/modules/metrics/slo/metrics-summary.service';
import { SloSources } from '../src/modules/metrics/sources/slo-sources';
import { HealthService } from '../src/modules/health/health.service';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const DAY = 86_400_000;
const at = (base: number, seconds: number) => new Date(base + seconds * 1000);

/** Cumulative values of one synthetic replica point. */
interface Totals {
  ok?: number;
  e5xx?: number;
  /** cumulative run_duration_seconds observations by upper bound (seconds) */
  runs?: Record<string, number>;
  /** cumulative http_request_duration_seconds observations by upper bound (seconds) */
  latency?: Record<string, number>;
  tools?: Partial<Record<'ok' | 'error' | 'timeout' | 'rejected' | 'policy_blocked', number>>;
  rateLimitHits?: number;
  gauges?: Record<string, number>;
}

/** Cumulative buckets from per-bucket counts. */
function histogram(perBucket: Record<string, number>): HistogramValue {
  const les = Object.keys(perBucket).sort((a, b) => Number(a) - Number(b));
  const buckets: Record<string, number> = {};
  let cum = 0;
  let sum = 0;
  for (const le of les) {
    cum += perBucket[le];
    sum += perBucket[le] * Number(le);
    buckets[le] = cum;
  }
  buckets['+Inf'] = cum;
  return { buckets, sum, count: cum };
}

function point(replicaId: string, capturedAt: Date, processStartedAt: Date, t: Totals): StoredPoint {
  const http = (status: string) => labelKey({ method: 'GET', route: '/api/x', status });
  return {
    replicaId,
    capturedAt,
    processStartedAt,
    intervalS: 60,
    counters: {
      http_requests_total: { [http('200')]: t.ok ?? 0, [http('500')]: t.e5xx ?? 0 },
      tool_calls_total: Object.fromEntries(
        Object.entries(t.tools ?? {}).map(([o, n]) => [labelKey({ outcome: o }), n]),
      ),
      rate_limit_hits_total: { [labelKey({ limit: 'default' })]: t.rateLimitHits ?? 0 },
    },
    histograms: {
      ...(t.runs ? { run_duration_seconds: histogram(t.runs) } : {}),
      ...(t.latency ? { http_request_duration_seconds: histogram(t.latency) } : {}),
    },
    gauges: Object.fromEntries(Object.entries(t.gauges ?? {}).map(([name, v]) => [name, { '': v }])),
  };
}

describe('SLOs and thresholds from metrics_history (synthetic points in the real database)', () => {
  let app: TestApp;
  let orgId: string;
  // Far from the real points, one scenario every 10 days, aligned to the hour (history buckets).
  let base = Math.ceil((Date.now() + 30 * DAY) / 3_600_000) * 3_600_000;
  const nextBase = () => (base += 10 * DAY);

  beforeAll(async () => {
    app = await startTestApp({ env: { METRICS_HISTORY_INTERVAL_S: '3600' } });
    orgId = await app.app.get(PlatformOrganization).getId();
  });
  afterAll(() => app.close());

  const asPlatform = <T>(fn: () => Promise<T>) =>
    RequestContext.run({ requestId: 'slo-test', transport: 'system', principal: systemPrincipal(orgId) }, fn);
  const insert = (...points: StoredPoint[]) =>
    asPlatform(async () => {
      for (const p of points) await app.app.get(MetricsHistoryService).insertPoint(p);
    });
  /** The summary at `now`, recording alert transitions as the sampler does. */
  const evaluate = (now: Date): Promise<MetricsSummary> =>
    asPlatform(async () => {
      const summary = await app.app.get(MetricsSummaryService).summary(now);
      await app.app.get(AlertTransitionsService).record(summary, orgId);
      return summary;
    });
  const transitions = async (target: string) =>
    (
      await app.app
        .get(DataSource)
        .query(`SELECT details FROM audit_log WHERE action = 'slo.transition' AND target = $1 ORDER BY seq`, [
          target,
        ])
    ).map(
      (r: { details: { from: string | null; to: string } }) =>
        `${r.details.from ?? 'unknown'}->${r.details.to}`,
    );

  it('request_success_rate burns on 5xx, recovers when they leave the window, and each transition is audited once', async () => {
    const b = nextBase();
    const start = at(b, 0);
    await insert(point('a', at(b, 60), start, { ok: 100 }));
    expect((await evaluate(at(b, 70))).slo.request_success_rate).toMatchObject({ status: 'ok', value: 1 });
    await insert(point('a', at(b, 120), start, { ok: 150, e5xx: 10 }));
    const burning = await evaluate(at(b, 130));
    expect(burning.slo.request_success_rate).toMatchObject({
      status: 'burning',
      value: 0.9375, // 10 errors of 160 requests in the window
      burn_threshold: 0.99,
      burns_when: 'below',
      target: 0.999,
      window: '1h',
    });
    expect(burning.burning).toContain('request_success_rate');
    expect(burning.thresholds.error_rate_5xx).toMatchObject({
      state: 'critical',
      value: 6.25,
      warning: 1,
      critical: 5,
    });

    await evaluate(at(b, 140)); // still burning: no second entry
    expect(await transitions('slo.request_success_rate')).toEqual(['ok->burning']);

    // An hour of clean traffic later the errors have left the window.
    await insert(point('a', at(b, 3800), start, { ok: 10_000, e5xx: 10 }));
    const recovered = await evaluate(at(b, 3810));
    expect(recovered.slo.request_success_rate).toMatchObject({ status: 'ok', value: 1 });
    expect(recovered.thresholds.error_rate_5xx.state).toBe('ok');
    expect(await transitions('slo.request_success_rate')).toEqual(['ok->burning', 'burning->ok']);
    expect(await transitions('threshold.error_rate_5xx')).toEqual(['ok->critical', 'critical->ok']);
  });

  it('e2e_latency_p95_ms burns when runs are slow and recovers when they are fast again', async () => {
    const b = nextBase();
    const start = at(b, 0);
    await insert(point('a', at(b, 60), start, { runs: { '1': 10, '15': 90 } }));
    const slow = await evaluate(at(b, 70));
    expect(slow.slo.e2e_latency_p95_ms.status).toBe('burning');
    expect(slow.slo.e2e_latency_p95_ms.value).toBeGreaterThan(10_000);

    await insert(point('a', at(b, 3800), start, { runs: { '1': 1010, '15': 90 } }));
    const fast = await evaluate(at(b, 3810));
    expect(fast.slo.e2e_latency_p95_ms.status).toBe('ok');
    expect(fast.slo.e2e_latency_p95_ms.value).toBeLessThanOrEqual(1000);
    expect(await transitions('slo.e2e_latency_p95_ms')).toEqual(['ok->burning', 'burning->ok']);
  });

  it('tool_reliability burns on failing tools and ignores policy blocks', async () => {
    const b = nextBase();
    const start = at(b, 0);
    await insert(point('a', at(b, 60), start, { tools: { ok: 90, error: 5, timeout: 3, rejected: 2 } }));
    const failing = await evaluate(at(b, 70));
    expect(failing.slo.tool_reliability).toMatchObject({ status: 'burning', value: 0.9 });

    await insert(
      point('a', at(b, 3800), start, {
        tools: { ok: 1090, error: 6, timeout: 3, rejected: 2, policy_blocked: 5000 },
      }),
    );
    const healthy = await evaluate(at(b, 3810));
    expect(healthy.slo.tool_reliability).toMatchObject({ status: 'ok', value: 0.999001 });
    expect(await transitions('slo.tool_reliability')).toEqual(['ok->burning', 'burning->ok']);
  });

  it('scheduler_recoverability_7d reads the value the scheduler registers; no_data until then', async () => {
    const b = nextBase();
    const sources = app.app.get(SloSources);
    sources.unregister('scheduler_recoverability_7d');
    expect((await evaluate(at(b, 0))).slo.scheduler_recoverability_7d).toMatchObject({
      status: 'no_data',
      value: null,
      window: '7d',
    });
    let value = 0.99;
    sources.register('scheduler_recoverability_7d', () => ({ value, window: '7d' }));
    try {
      expect((await evaluate(at(b, 10))).slo.scheduler_recoverability_7d).toMatchObject({
        status: 'burning',
        value: 0.99,
      });
      value = 0.9995;
      expect((await evaluate(at(b, 20))).slo.scheduler_recoverability_7d).toMatchObject({
        status: 'ok',
        value: 0.9995,
      });
      sources.register('scheduler_recoverability_7d', () => {
        throw new Error('scheduler down');
      });
      expect((await evaluate(at(b, 30))).slo.scheduler_recoverability_7d.status).toBe('no_data');
    } finally {
      sources.unregister('scheduler_recoverability_7d');
    }
    expect(await transitions('slo.scheduler_recoverability_7d')).toEqual(
      expect.arrayContaining(['ok->burning', 'burning->ok']),
    );
  });

  it('thresholds: p99 latency, memory, DB connections and rate-limit hits per minute reach warning/critical', async () => {
    const b = nextBase();
    const start = at(b, 0);
    await insert(
      point('a', at(b, 60), start, {
        ok: 100,
        latency: { '0.1': 97, '1': 3 },
        rateLimitHits: 150,
        gauges: { memory_usage_percent: 85, db_pool_usage_percent: 50 },
      }),
      point('b', at(b, 61), start, {
        ok: 10,
        gauges: { memory_usage_percent: 40, db_pool_usage_percent: 97 },
      }),
    );
    const s = await evaluate(at(b, 70));
    expect(s.thresholds.latency_p99).toMatchObject({ state: 'warning', unit: 'ms' });
    expect(s.thresholds.latency_p99.value).toBeGreaterThan(500);
    expect(s.thresholds.memory_usage).toMatchObject({ state: 'warning', value: 85 }); // the worst replica
    expect(s.thresholds.db_connections).toMatchObject({ state: 'critical', value: 97 });
    // 150 hits over the 61 s the data covers
    expect(s.thresholds.rate_limit_hits).toMatchObject({
      state: 'warning',
      value: 147.54,
      unit: 'per_minute',
    });
    expect(s.alerts).toEqual(
      expect.arrayContaining(['latency_p99', 'memory_usage', 'db_connections', 'rate_limit_hits']),
    );
    expect(s.replicas).toBe(2);
  });

  it('history sums replicas per interval and treats a counter that went down as a restart', async () => {
    const b = nextBase();
    const startA = at(b, 0);
    const startB = at(b, 5);
    const restartA = at(b, 150);
    await insert(
      point('a', at(b, 60), startA, { ok: 100, e5xx: 1 }),
      point('b', at(b, 61), startB, { ok: 40 }),
      point('a', at(b, 120), startA, { ok: 130, e5xx: 1 }),
      point('b', at(b, 121), startB, { ok: 50 }),
      // a restarted: its counters began again at 0
      point('a', at(b, 180), restartA, { ok: 7 }),
      point('b', at(b, 181), startB, { ok: 60 }),
    );
    const page = await asPlatform(() => app.app.get(MetricsHistoryService).history(60 * 24, 100, at(b, 200)));
    expect(page.interval_s).toBe(3600);
    // one 1-hour bucket holds all six points: a's first point whole (it started in the window), then deltas,
    // and after a's restart its new (smaller) value whole rather than a negative delta
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      replicas: 2,
      requests_total: 101 + 40 + 30 + 10 + 7 + 10,
      requests_5xx: 1,
    });
  });

  it('purgeOlderThan deletes expired points and history no longer shows them', async () => {
    const b = nextBase();
    await insert(point('old', at(b, 10), at(b, 0), { ok: 5 }));
    const service = app.app.get(MetricsHistoryService);
    const before = await asPlatform(() => service.history(60, 100, at(b, 30)));
    expect(before.total).toBe(1);
    const deleted = await asPlatform(() => service.purgeOlderThan(at(b, 20)));
    expect(deleted).toBeGreaterThanOrEqual(1);
    const after = await asPlatform(() => service.history(60, 100, at(b, 30)));
    expect(after.items).toEqual([]);
  });
});

describe('request_success_rate with real 5xx traffic', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { METRICS_HISTORY_INTERVAL_S: '1', METRICS_SLO_WINDOW_S: '2', METRICS_THRESHOLD_WINDOW_S: '2' },
    });
  });
  afterAll(() => app.close());

  const summary = async () =>
    (await app.http().get('/api/metrics/summary').set(admin).expect(200)).body as MetricsSummary;
  const auditEntries = async () =>
    (
      await app.app
        .get(DataSource)
        .query(`SELECT target, details FROM audit_log WHERE action = 'slo.transition' ORDER BY seq`)
    ).map((r: { target: string; details: { to: string } }) => `${r.target}:${r.details.to}`);

  it('flips to burning under 5xx and back to ok, logging each transition once in the audit log', async () => {
    // Fault injection: the health report fails, so GET /api/health answers a real 500 through the
    // whole HTTP pipeline (problem filter, metrics middleware) until the fault is lifted.
    const fault = jest
      .spyOn(app.app.get(HealthService), 'report')
      .mockRejectedValue(new Error('injected fault'));
    try {
      const burning = await waitFor(
        async () => {
          for (let i = 0; i < 5; i++) await app.http().get('/api/health').expect(500);
          await app.http().get('/healthz').expect(200);
          const s = await summary();
          return s.slo.request_success_rate.status === 'burning' ? s : undefined;
        },
        20_000,
        'request_success_rate burning',
      );
      expect(burning.slo.request_success_rate.value).toBeLessThan(0.99);
      expect(burning.thresholds.error_rate_5xx.state).toBe('critical');
      expect(burning.burning).toContain('request_success_rate');
      await waitFor(
        async () => (await auditEntries()).includes('slo.request_success_rate:burning'),
        10_000,
        'burning audited',
      );
    } finally {
      fault.mockRestore();
    }

    const recovered = await waitFor(
      async () => {
        for (let i = 0; i < 5; i++) await app.http().get('/api/health').expect(200);
        const s = await summary();
        return s.slo.request_success_rate.status === 'ok' ? s : undefined;
      },
      20_000,
      'request_success_rate back to ok',
    );
    expect(recovered.slo.request_success_rate.value).toBeGreaterThanOrEqual(0.99);
    await waitFor(
      async () => (await auditEntries()).includes('slo.request_success_rate:ok'),
      10_000,
      'recovery audited',
    );
    const entries = (await auditEntries()).filter((t: string) => t.startsWith('slo.request_success_rate:'));
    expect(entries).toEqual(['slo.request_success_rate:burning', 'slo.request_success_rate:ok']);
  });
});
