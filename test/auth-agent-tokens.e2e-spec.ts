import { DataSource } from 'typeorm';
import { ADMIN, bearer, createKey } from './auth-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('agent tokens', () => {
  let app: TestApp;
  let n = 0;
  /** Each test speaks from its own client address (TRUSTED_PROXIES=127.0.0.1), so rate-limit buckets do not mix. */
  const from = () => ({ 'X-Forwarded-For': `10.9.0.${++n}` });
  const agent = (token: string, ip: Record<string, string>) => ({ 'X-Agent-Token': token, ...ip });

  beforeAll(async () => {
    app = await startTestApp({
      env: { TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_AGENT_AUTH: '6/60', AGENT_OFFLINE_AFTER_S: '30' },
    });
  });
  afterAll(() => app.close());

  async function createToken(agentId = 'main', label?: string) {
    const res = await app
      .http()
      .post('/api/agent_tokens')
      .set(ADMIN)
      .send({ agent_id: agentId, ...(label ? { label } : {}) })
      .expect(201);
    return res.body as { id: string; token: string; prefix: string };
  }

  it('an admin creates a token shown once; the list shows prefix and status, never the secret', async () => {
    const t = await createToken('main', 'worker-1');
    expect(t.token).toMatch(/^cca_[0-9a-f]{12}_/);
    expect(t.token.startsWith(t.prefix)).toBe(true);
    const list = await app.http().get('/api/agent_tokens?agent_id=main').set(ADMIN).expect(200);
    const row = list.body.items.find((i: any) => i.id === t.id);
    expect(row).toMatchObject({ agent_id: 'main', label: 'worker-1', status: 'never_seen', online: false });
    expect(JSON.stringify(list.body)).not.toContain(t.token);
    // The secret is kept only as an HMAC under the signing secret.
    const [stored] = await app.app
      .get(DataSource)
      .query('SELECT secret_hash FROM agent_tokens WHERE id = $1', [t.id]);
    expect(stored.secret_hash).not.toContain(t.token.split('_')[2]);
  });

  it('heartbeat marks the agent online; silence longer than AGENT_OFFLINE_AFTER_S shows offline', async () => {
    const t = await createToken('main', 'worker-2');
    const ip = from();
    const hb = await app
      .http()
      .post('/api/agent/heartbeat')
      .set(agent(t.token, ip))
      .send({ status: 'idle', version: '1.0.0' })
      .expect(200);
    expect(hb.body).toEqual({ ok: true, agent_id: 'main', online: true, offline_after_s: 30 });
    const online = await app.http().get('/api/agent_tokens').set(ADMIN).expect(200);
    expect(online.body.items.find((i: any) => i.id === t.id)).toMatchObject({
      status: 'online',
      online: true,
      last_heartbeat_at: expect.any(String),
    });
    await app.app
      .get(DataSource)
      .query(`UPDATE agent_tokens SET last_heartbeat_at = now() - interval '31 seconds' WHERE id = $1`, [
        t.id,
      ]);
    const offline = await app.http().get('/api/agent_tokens').set(ADMIN).expect(200);
    expect(offline.body.items.find((i: any) => i.id === t.id)).toMatchObject({
      status: 'offline',
      online: false,
    });
    const me = await app.http().get('/api/agent/me').set(agent(t.token, ip)).expect(200);
    expect(me.body).toMatchObject({ agent_id: 'main', token_id: t.id });
  });

  it('agent principals reach only agent routes, and only agent principals reach them', async () => {
    const t = await createToken();
    const ip = from();
    const forbidden = await app.http().get('/api/auth/api_keys').set(agent(t.token, ip)).expect(403);
    expect(forbidden.body.code).toBe('AGENT_FORBIDDEN');
    await app.http().get('/api/orgs').set(agent(t.token, ip)).expect(403);
    const key = await createKey(app, ['operator.admin']);
    const notAgent = await app
      .http()
      .post('/api/agent/heartbeat')
      .set(bearer(key.token))
      .send({})
      .expect(403);
    expect(notAgent.body.code).toBe('AGENT_ROUTE_ONLY');
    await app.http().post('/api/agent/heartbeat').send({}).expect(401);
    const unknownField = await app
      .http()
      .post('/api/agent/heartbeat')
      .set(agent(t.token, ip))
      .send({ cpu: 3 })
      .expect(400);
    expect(unknownField.body.detail).toContain('cpu');
  });

  it(`agent authentication is limited per client IP (RATE_LIMIT_AGENT_AUTH) → 429 + Retry-After`, async () => {
    const t = await createToken();
    const ip = from();
    // Bad tokens count too: guessing is what the limit is for.
    for (let i = 0; i < 3; i++)
      await app
        .http()
        .post('/api/agent/heartbeat')
        .set(agent(`cca_0123456789ab_${'x'.repeat(40)}`, ip))
        .send({})
        .expect(401);
    for (let i = 0; i < 3; i++)
      await app.http().post('/api/agent/heartbeat').set(agent(t.token, ip)).send({}).expect(200);
    const limited = await app
      .http()
      .post('/api/agent/heartbeat')
      .set(agent(t.token, ip))
      .send({})
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.code).toBe('RATE_LIMITED');
    // Another client address is not affected.
    await app.http().post('/api/agent/heartbeat').set(agent(t.token, from())).send({}).expect(200);
  });

  it('a revoked token stops working at once and publishes credentials.revoked', async () => {
    const t = await createToken();
    const ip = from();
    await app.http().post('/api/agent/heartbeat').set(agent(t.token, ip)).send({}).expect(200);
    const events: any[] = [];
    const { EventBus } = require('../src/common/events/event-bus');
    const off = app.app.get(EventBus).subscribe('credentials.revoked', (e: any) => events.push(e));
    const revoked = await app.http().delete(`/api/agent_tokens/${t.id}`).set(ADMIN).expect(200);
    off();
    expect(revoked.body.status).toBe('revoked');
    expect(events).toEqual([expect.objectContaining({ credentialIds: [t.id] })]);
    const res = await app.http().post('/api/agent/heartbeat').set(agent(t.token, ip)).send({}).expect(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it('bad input is named; other ids answer 404', async () => {
    const bad = await app
      .http()
      .post('/api/agent_tokens')
      .set(ADMIN)
      .send({ agent_id: 'no spaces!' })
      .expect(400);
    expect(bad.body.detail).toContain('agent_id');
    const extra = await app
      .http()
      .post('/api/agent_tokens')
      .set(ADMIN)
      .send({ agent_id: 'main', secret: 'x' })
      .expect(400);
    expect(extra.body.detail).toContain('secret');
    const noAgent = await app
      .http()
      .post('/api/agent_tokens')
      .set(ADMIN)
      .send({ agent_id: 'no-such-agent' })
      .expect(404);
    expect(noAgent.body.code).toBe('AGENT_NOT_FOUND');
    await app.http().delete('/api/agent_tokens/not-a-uuid').set(ADMIN).expect(400);
    const missing = await app
      .http()
      .delete('/api/agent_tokens/00000000-0000-4000-8000-000000000000')
      .set(ADMIN)
      .expect(404);
    expect(missing.body.code).toBe('AGENT_TOKEN_NOT_FOUND');
    const reader = await createKey(app, ['operator.read']);
    await app.http().get('/api/agent_tokens').set(bearer(reader.token)).expect(200);
    await app
      .http()
      .post('/api/agent_tokens')
      .set(bearer(reader.token))
      .send({ agent_id: 'main' })
      .expect(403);
    await app.http().post('/api/agent/heartbeat').set(agent('garbage', from())).send({}).expect(401);
  });
});
