import { parseExposition, promtoolCheck } from './support/metrics-helpers';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('GET /metrics (Prometheus exposition)', () => {
  let app: TestApp;
  beforeAll(async () => {
    // A tight default limit shows that /metrics is exempt from it.
    app = await startTestApp({ env: { RATE_LIMIT_DEFAULT: '3/60' } });
  });
  afterAll(() => app.close());

  it('serves text that a Prometheus parser (and promtool, when installed) accepts', async () => {
    await app.http().get('/api/auth/api_keys').set(admin).expect(200);
    const res = await app.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(res.text);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'db_pool_connections_in_use',
      'db_pool_connections_idle',
      'db_pool_waiting_clients',
      'db_pool_max_connections',
      'memory_usage_percent',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(families.has(name)).toBe(true);
    }
    expect(families.get('http_request_duration_seconds')!.type).toBe('HISTOGRAM');
    expect(Number(families.get('db_pool_max_connections')!.metrics[0].value)).toBeGreaterThanOrEqual(1);
    const promtool = promtoolCheck(res.text);
    if (promtool !== null) expect(promtool.trim()).toMatch(/exit=0$/);
  });

  it('labels requests by route template, never by the raw path', async () => {
    const id = '00000000-0000-4000-8000-00000000abcd';
    await app.http().delete(`/api/auth/api_keys/${id}`).set(admin).expect(404);
    await app.http().get('/no/such/thing/123').expect(404);
    const families = parseExposition((await app.http().get('/metrics').expect(200)).text);
    const series = families.get('http_requests_total')!.metrics;
    expect(series).toContainEqual(
      expect.objectContaining({
        labels: { method: 'DELETE', route: '/api/auth/api_keys/:id', status: '404' },
      }),
    );
    // An unknown path is counted under a fixed label (the catch-all's template), not under its own path.
    expect(series.some((s) => s.labels?.method === 'GET' && s.labels.status === '404')).toBe(true);
    const text = JSON.stringify(series);
    expect(text).not.toContain(id);
    expect(text).not.toContain('/no/such/thing');
  });

  it('is not subject to the default rate limit, so scrapes never see 429', async () => {
    for (let i = 0; i < 8; i++) await app.http().get('/metrics').expect(200);
    const limited = await app.http().get('/api/auth/api_keys').set(admin);
    // The limited API route shows the limit is real.
    const codes = [limited.status];
    for (let i = 0; i < 4; i++) codes.push((await app.http().get('/api/auth/api_keys').set(admin)).status);
    expect(codes).toContain(429);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const token = 'scrape-token-0123456789abcdef';
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { METRICS_TOKEN: token } });
  });
  afterAll(() => app.close());

  it('answers 401 problem+json without the bearer token', async () => {
    const res = await app.http().get('/metrics').expect(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.code).toBe('METRICS_TOKEN_REQUIRED');
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  it('answers 401 for a wrong token, a token of another length, a malformed header and an API key', async () => {
    for (const authorization of [
      `Bearer ${token.slice(0, -1)}x`,
      'Bearer short',
      `Bearer ${token}${token}`,
      `Bearer ${TEST_ADMIN_KEY}`,
    ]) {
      const res = await app.http().get('/metrics').set('Authorization', authorization).expect(401);
      expect(res.body.code).toBe('METRICS_TOKEN_INVALID');
      expect(JSON.stringify(res.body)).not.toContain(token);
    }
    const malformed = await app.http().get('/metrics').set('Authorization', `Basic ${token}`).expect(401);
    expect(malformed.body.code).toBe('METRICS_TOKEN_REQUIRED');
  });

  it('serves the exposition with the right token', async () => {
    const res = await app.http().get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(parseExposition(res.text).has('http_requests_total')).toBe(true);
  });
});
