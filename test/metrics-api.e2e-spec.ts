import { QueueDepthSources } from '../src/modules/metrics/sources/queue-depth-sources';
import { otherOrganizationReader, parseExposition } from './support/metrics-helpers';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('metrics API before any history point', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(); // default 60 s interval: no point is written during this test
  });
  afterAll(() => app.close());

  it('GET /api/metrics/history is an empty list, not an error', async () => {
    const res = await app.http().get('/api/metrics/history?minutes=60').set(admin).expect(200);
    expect(res.body).toEqual({ items: [], total: 0, limit: 1000, offset: 0, minutes: 60, interval_s: 60 });
  });

  it('GET /api/metrics/summary reads no_data rather than failing', async () => {
    const res = await app.http().get('/api/metrics/summary').set(admin).expect(200);
    for (const name of [
      'request_success_rate',
      'e2e_latency_p95_ms',
      'tool_reliability',
      'scheduler_recoverability_7d',
    ]) {
      expect(res.body.slo[name]).toMatchObject({ name, status: 'no_data', value: null });
    }
    expect(res.body.thresholds.error_rate_5xx.state).toBe('no_data');
    expect(res.body.burning).toEqual([]);
  });
});

describe('metrics API', () => {
  let app: TestApp;
  let otherOrgKey: string;
  beforeAll(async () => {
    app = await startTestApp({ env: { METRICS_HISTORY_INTERVAL_S: '1' } });
    otherOrgKey = await otherOrganizationReader(app, 'tenant-b');
  });
  afterAll(() => app.close());

  it('needs credentials, operator.read, and the platform organization', async () => {
    for (const path of ['/api/metrics', '/api/metrics/history', '/api/metrics/summary']) {
      const anonymous = await app.http().get(path).expect(401);
      expect(anonymous.headers['content-type']).toMatch(/problem\+json/);
      const tenant = await app.http().get(path).set('Authorization', `Bearer ${otherOrgKey}`).expect(403);
      expect(tenant.body.code).toBe('METRICS_PLATFORM_ONLY');
    }
  });

  it('the snapshot counts real requests under the runbook keys', async () => {
    const before = (await app.http().get('/api/metrics').set(admin).expect(200)).body;
    for (let i = 0; i < 3; i++) await app.http().get('/api/auth/api_keys').set(admin).expect(200);
    await app.http().delete('/api/auth/api_keys/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
    await app.http().get('/api/auth/api_keys').set('Authorization', 'Bearer not-a-key').expect(401);
    const after = (await app.http().get('/api/metrics').set(admin).expect(200)).body;

    expect(after.scope).toBe('replica');
    expect(after.requests_total - before.requests_total).toBeGreaterThanOrEqual(6);
    expect(after.requests_4xx - before.requests_4xx).toBeGreaterThanOrEqual(2);
    expect(after.auth_failures - before.auth_failures).toBeGreaterThanOrEqual(1);
    expect(after.request_latency_ms.p95).toEqual(expect.any(Number));
    for (const key of [
      'requests_5xx',
      'runs_started',
      'runs_succeeded',
      'runs_failed',
      'runs_aborted',
      'mcp_rate_limited_rejections',
      'mcp_bulkhead_rejections',
      'mcp_circuit_open_rejections',
      'webhook_deliveries_accepted',
      'scheduler_task_failures',
      'rate_limit_hits',
    ]) {
      expect(after[key]).toEqual(expect.any(Number));
    }
    expect(Object.keys(after.tool_calls).sort()).toEqual([
      'error',
      'ok',
      'policy_blocked',
      'rejected',
      'timeout',
    ]);
    expect(after.gauges.db_pool).toEqual({
      in_use: expect.any(Number),
      idle: expect.any(Number),
      waiting: expect.any(Number),
      max: expect.any(Number),
      usage_percent: expect.any(Number),
    });
    expect(after.gauges.memory.usage_percent).toBeGreaterThan(0);
    expect(after.gauges.memory.rss_bytes).toBeGreaterThan(0);
    expect(after.gauges.event_loop_lag_ms.p99).toEqual(expect.any(Number));
    expect(['cgroup', 'heap']).toContain(after.gauges.memory_limit_source);
    expect(after.otlp.enabled).toBe(false);
  });

  it('history returns per-interval deltas (not cumulative values) that include real requests', async () => {
    const marker = 7;
    for (let i = 0; i < marker; i++) await app.http().get('/api/auth/api_keys').set(admin).expect(200);
    const sawRequests = await waitFor(
      async () => {
        const res = await app.http().get('/api/metrics/history?minutes=5').set(admin).expect(200);
        const sum = res.body.items.reduce(
          (n: number, item: { requests_total: number }) => n + item.requests_total,
          0,
        );
        return res.body.items.length >= 2 && sum >= marker ? res.body : undefined;
      },
      15_000,
      'history points with the requests',
    );
    expect(sawRequests.interval_s).toBe(1);
    const starts = sawRequests.items.map((i: { bucket_start: string }) => Date.parse(i.bucket_start));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (const item of sawRequests.items) {
      expect(item.replicas).toBe(1);
      expect(Date.parse(item.bucket_end) - Date.parse(item.bucket_start)).toBe(1000);
      expect(item.gauges.db_pool.max).toBeGreaterThanOrEqual(1);
    }
    // Deltas add up to at most the cumulative count; cumulative values summed would far exceed it.
    const sum = sawRequests.items.reduce(
      (n: number, item: { requests_total: number }) => n + item.requests_total,
      0,
    );
    const snapshot = (await app.http().get('/api/metrics').set(admin).expect(200)).body;
    expect(sum).toBeLessThanOrEqual(snapshot.requests_total);

    const limited = await app.http().get('/api/metrics/history?minutes=5&limit=1').set(admin).expect(200);
    expect(limited.body.items).toHaveLength(1);
    expect(limited.body.total).toBeGreaterThanOrEqual(2);
    // limit keeps the latest intervals
    expect(Date.parse(limited.body.items[0].bucket_start)).toBeGreaterThanOrEqual(starts[starts.length - 1]);
  });

  it('rejects bad history parameters with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['minutes=0', 'minutes'],
      ['minutes=abc', 'minutes'],
      ['minutes=100000', 'minutes'],
      ['limit=0', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=10001', 'limit'],
      ['window=5', 'window'],
    ];
    for (const [query, field] of cases) {
      const res = await app.http().get(`/api/metrics/history?${query}`).set(admin).expect(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.detail).toContain(field);
    }
  });

  it('/api/health shows the operational fields to operator.read only', async () => {
    const anonymous = (await app.http().get('/api/health').expect(200)).body;
    expect(anonymous.revocationCount).toBeUndefined();
    expect(anonymous.wsConnections).toBeUndefined();

    const before = (await app.http().get('/api/health').set(admin).expect(200)).body;
    expect(before).toMatchObject({
      consumers: expect.any(Object),
      revocationCount: expect.any(Number),
      metricsHistory: { interval_s: 1, retention_days: 30 },
      otlp: { enabled: false },
    });
    // 'no_data' until a module registers the gauge / a queue (other modules may already have)
    expect(before.wsConnections === 'no_data' || typeof before.wsConnections === 'number').toBe(true);
    expect(before.queueDepth === 'no_data' || typeof before.queueDepth === 'number').toBe(true);
    expect(before.db_pool.max).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () => (await app.http().get('/api/health').set(admin)).body.metricsHistory.last_sample_at,
      5000,
      'a history sample',
    );

    const key = await app
      .http()
      .post('/api/auth/api_keys')
      .set(admin)
      .send({ label: 'to-revoke', scopes: ['operator.read'] })
      .expect(201);
    await app.http().delete(`/api/auth/api_keys/${key.body.id}`).set(admin).expect(200);
    const after = (await app.http().get('/api/health').set(admin).expect(200)).body;
    expect(after.revocationCount).toBe(before.revocationCount + 1);
  });

  it('queue depths registered by modules show in /api/health, /metrics and the summary', async () => {
    const queues = app.app.get(QueueDepthSources);
    queues.register('test_queue', () => 1500);
    queues.register('broken_queue', () => {
      throw new Error('boom');
    });
    try {
      const health = (await app.http().get('/api/health').set(admin).expect(200)).body;
      expect(health.queueDepth).toBeGreaterThanOrEqual(1500);
      expect(health.queues).toMatchObject({ test_queue: 1500, broken_queue: null });
      const families = parseExposition((await app.http().get('/metrics').expect(200)).text);
      const series = families.get('queue_depth')!.metrics;
      expect(series).toContainEqual({ value: '1500', labels: { queue: 'test_queue' } });
      expect(series.some((m) => m.labels?.queue === 'broken_queue')).toBe(false);
      const summary = await waitFor(
        async () => {
          const body = (await app.http().get('/api/metrics/summary').set(admin).expect(200)).body;
          return body.thresholds.queue_depth.value >= 1500 ? body : undefined;
        },
        10_000,
        'queue depth in the summary',
      );
      expect(summary.thresholds.queue_depth).toMatchObject({
        state: 'warning',
        warning: 1000,
        critical: 10000,
      });
      expect(summary.alerts).toContain('queue_depth');
    } finally {
      queues.unregister('test_queue');
      queues.unregister('broken_queue');
    }
  });
});
