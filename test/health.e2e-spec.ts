import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';

describe('health and HTTP conventions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('GET /healthz answers without touching dependencies', async () => {
    const res = await app.http().get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 with the database and migrations up', async () => {
    const res = await app.http().get('/readyz').expect(200);
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.migrations.status).toBe('up');
  });

  it('GET /api/health shows version and uptime but no details anonymously', async () => {
    const res = await app.http().get('/api/health').expect(200);
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof res.body.uptime_s).toBe('number');
    expect(res.body.db_pool).toBeUndefined();
  });

  it('GET /health is /api/health (OCMT runbooks), with sessions and runs for operator.read', async () => {
    const anonymous = (await app.http().get('/health').expect(200)).body;
    expect(anonymous.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(anonymous.sessions).toBeUndefined();
    const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
    await app
      .http()
      .post('/api/sessions')
      .set(admin)
      .send({ name: 'health-count' })
      .expect(201);
    const detailed = (await app.http().get('/health').set(admin).expect(200)).body;
    expect(detailed.sessions).toEqual({ total: expect.any(Number), active_last_hour: expect.any(Number) });
    expect(detailed.sessions.total).toBeGreaterThanOrEqual(1);
    expect(detailed.runs).toMatchObject({ running: expect.any(Number), queued: expect.any(Number) });
    expect(Object.keys((await app.http().get('/api/health').set(admin).expect(200)).body).sort()).toEqual(
      Object.keys(detailed).sort(),
    );
  });

  it('unknown routes answer problem+json 404 with the request id', async () => {
    const res = await app.http().get('/no/such/route').set('X-Request-Id', 'trace-123').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.body).toMatchObject({ status: 404, code: 'NOT_FOUND', requestId: 'trace-123', title: 'Not Found' });
    expect(res.body.type).toContain('NOT_FOUND');
  });

  it('generates a request id when the caller sends none or a hostile one', async () => {
    const res = await app.http().get('/healthz').set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const res = await app.http().get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
  });

  it('serves Swagger UI and the OpenAPI document', async () => {
    await app.http().get('/docs/').expect(200);
    const doc = await app.http().get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/healthz']).toBeDefined();
    expect(doc.body.components.schemas.Problem).toBeDefined();
  });
});
