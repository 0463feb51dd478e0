import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';

describe('API keys', () => {
  let app: TestApp;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('ADMIN_API_KEY works as an operator.admin key and is listed without its secret', async () => {
    const res = await app.http().get('/api/auth/api_keys').set(admin).expect(200);
    expect(res.body.total).toBeGreaterThanOrEqual(1);
    const boot = res.body.items.find((k: any) => k.bootstrap);
    expect(boot.scopes).toEqual(['operator.admin']);
    expect(JSON.stringify(res.body)).not.toContain(TEST_ADMIN_KEY);
  });

  it('creates a key shown once, which then authenticates with its scopes', async () => {
    const created = await app
      .http()
      .post('/api/auth/api_keys')
      .set(admin)
      .send({ label: 'reader', scopes: ['operator.read'], expires_days: 30 })
      .expect(201);
    expect(created.body.api_key).toMatch(/^cc_[0-9a-f]{12}_/);
    expect(created.body.prefix).toBe(created.body.api_key.slice(0, 15));
    const reader = { Authorization: `Bearer ${created.body.api_key}` };
    await app.http().get('/api/auth/api_keys').set(reader).expect(200);
    const denied = await app
      .http()
      .post('/api/auth/api_keys')
      .set(reader)
      .send({ label: 'x', scopes: ['operator.read'] })
      .expect(403);
    expect(denied.body.code).toBe('MISSING_SCOPE');
    expect(denied.body.detail).toContain('operator.admin');
    const list = await app.http().get('/api/auth/api_keys').set(admin).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.api_key);
  });

  it('revoked and rotated keys stop working at once', async () => {
    const a = await app.http().post('/api/auth/api_keys').set(admin).send({ label: 'a', scopes: ['operator.write'] }).expect(201);
    const rotated = await app.http().post(`/api/auth/api_keys/${a.body.id}/rotate`).set(admin).expect(201);
    await app.http().get('/api/auth/api_keys').set({ Authorization: `Bearer ${a.body.api_key}` }).expect(401);
    await app.http().get('/api/auth/api_keys').set({ Authorization: `Bearer ${rotated.body.api_key}` }).expect(200);
    await app.http().delete(`/api/auth/api_keys/${rotated.body.id}`).set(admin).expect(200);
    const res = await app.http().get('/api/auth/api_keys').set({ Authorization: `Bearer ${rotated.body.api_key}` }).expect(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it('rejects missing, garbage and malformed credentials with 401 problem+json', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: 'Basic abc' }, { Authorization: 'Bearer cc_0123456789ab_' + 'x'.repeat(43) }]) {
      const res = await app.http().get('/api/auth/api_keys').set(headers).expect(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });

  it('validates bodies strictly, naming the field', async () => {
    const unknown = await app.http().post('/api/auth/api_keys').set(admin).send({ label: 'x', scopes: ['operator.read'], extra: 1 }).expect(400);
    expect(unknown.body.detail).toContain('extra');
    const badScope = await app.http().post('/api/auth/api_keys').set(admin).send({ label: 'x', scopes: ['root'] }).expect(400);
    expect(badScope.body.detail).toContain('scopes');
    await app.http().delete('/api/auth/api_keys/not-a-uuid').set(admin).expect(400);
    await app.http().delete('/api/auth/api_keys/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
  });
});
