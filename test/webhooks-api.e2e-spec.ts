import { DataSource } from 'typeorm';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';
import { createWebhook } from './support/webhooks';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

async function key(app: TestApp, scopes: string[]): Promise<Record<string, string>> {
  const res = await app
    .http()
    .post('/api/auth/api_keys')
    .set(admin)
    .send({ label: scopes.join('+'), scopes })
    .expect(201);
  return { Authorization: `Bearer ${res.body.api_key}` };
}

describe('webhooks REST API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { WEBHOOK_WORKER_CONCURRENCY: '0' } });
  });
  afterAll(() => app?.close());

  it('creates a webhook: the secret is write-only and stored sealed, never in responses or the audit log', async () => {
    const res = await app
      .http()
      .post('/api/webhooks')
      .set(admin)
      .send({
        name: 'deploys',
        session_key: 'agent:main:deploys',
        secret: 'very-secret-hmac-key',
        message_template: 'Deploy: {{json.service}}',
      })
      .expect(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: 'deploys',
      session_key: 'agent:main:deploys',
      enabled: true,
      has_secret: true,
      secret_kind: 'sealed',
      message_template: 'Deploy: {{json.service}}',
      signature_header: null,
      ingest_path: `/api/webhooks/${res.body.id}/ingest`,
      created_by: expect.stringMatching(/^api_key:/),
    });
    expect(res.body).not.toHaveProperty('secret');
    const [row] = await app.app
      .get(DataSource)
      .query('SELECT secret_sealed, secret_ref FROM webhooks WHERE id = $1', [res.body.id]);
    expect(row.secret_sealed).toMatch(/^sealed:v1:/);
    expect(row.secret_sealed).not.toContain('very-secret-hmac-key');
    expect(row.secret_ref).toBeNull();

    const listed = await app.http().get('/api/webhooks').set(admin).expect(200);
    expect(listed.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
    const audit = await app.http().get('/api/audit?action=webhook.').set(admin).expect(200);
    expect(audit.body.items.map((e: any) => e.action)).toContain('webhook.create');
    for (const body of [
      listed.body,
      audit.body,
      (await app.http().get(`/api/webhooks/${res.body.id}`).set(admin).expect(200)).body,
    ]) {
      expect(JSON.stringify(body)).not.toContain('very-secret-hmac-key');
    }
  });

  it('targets a session by key, bare name or agent + session name', async () => {
    const bare = await createWebhook(app, admin, { name: 'bare', session_key: 'alerts' });
    expect(bare.session_key).toBe('agent:main:alerts');
    const byAgent = await createWebhook(app, admin, {
      name: 'by-agent',
      agent_id: 'main',
      session_name: 'pager',
    });
    expect(byAgent.session_key).toBe('agent:main:pager');
    const defaultName = await createWebhook(app, admin, { name: 'agent-only', agent_id: 'main' });
    expect(defaultName.session_key).toBe('agent:main:main');
    const unknownAgent = await app
      .http()
      .post('/api/webhooks')
      .set(admin)
      .send({ name: 'ghost', session_key: 'agent:ghost:x' })
      .expect(422);
    expect(unknownAgent.body.code).toBe('WEBHOOK_TARGET_AGENT_UNKNOWN');
  });

  it('rejects bad bodies with 400 naming the problem', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ session_key: 'agent:main:x' }, 'VALIDATION_FAILED', 'name'],
      [{ name: 'x' }, 'WEBHOOK_TARGET_REQUIRED', 'session_key'],
      [
        { name: 'x', session_key: 'agent:main:x', agent_id: 'main' },
        'WEBHOOK_TARGET_CONFLICT',
        'session_key',
      ],
      [{ name: 'x', session_key: 'agent:Main Agent:x' }, 'INVALID_SESSION_KEY', 'agent id'],
      [{ name: 'x', session_key: 'agent:main:x', extra: 1 }, 'VALIDATION_FAILED', 'extra'],
      [{ name: 'x', session_key: 'agent:main:x', secret: '' }, 'VALIDATION_FAILED', 'secret'],
      [{ name: 'x', session_key: 'agent:main:x', secret: 'secret:bad name!' }, 'VALIDATION_FAILED', 'secret'],
      [{ name: 'x', session_key: 'agent:main:x', enabled: 'yes' }, 'VALIDATION_FAILED', 'enabled'],
      [
        { name: 'x', session_key: 'agent:main:x', signature_header: 'X Bad:Header' },
        'VALIDATION_FAILED',
        'signature_header',
      ],
      [
        { name: 'x', session_key: 'agent:main:x', message_template: 'Hi {{secrets.all}}' },
        'WEBHOOK_TEMPLATE_INVALID',
        '{{secrets.all}}',
      ],
      [{ name: 'x'.repeat(101), session_key: 'agent:main:x' }, 'VALIDATION_FAILED', 'name'],
    ];
    for (const [body, code, mention] of cases) {
      const res = await app.http().post('/api/webhooks').set(admin).send(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code });
      expect(res.body.detail).toContain(mention);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const dup = await app
      .http()
      .post('/api/webhooks')
      .set(admin)
      .send({ name: 'deploys', session_key: 'agent:main:x' })
      .expect(409);
    expect(dup.body.code).toBe('WEBHOOK_NAME_TAKEN');
  });

  it('updates fields, removes and replaces the secret, and audits each change', async () => {
    const hook = await createWebhook(app, admin, {
      name: 'patch-me',
      session_key: 'agent:main:a',
      secret: 'first-secret',
    });
    const patched = await app
      .http()
      .patch(`/api/webhooks/${hook.id}`)
      .set(admin)
      .send({
        enabled: false,
        session_key: 'agent:main:b',
        signature_header: 'X-Sig',
        message_template: null,
      })
      .expect(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      session_key: 'agent:main:b',
      signature_header: 'X-Sig',
      has_secret: true,
    });
    const removed = await app
      .http()
      .patch(`/api/webhooks/${hook.id}`)
      .set(admin)
      .send({ secret: null })
      .expect(200);
    expect(removed.body).toMatchObject({ has_secret: false, secret_kind: 'none' });
    const unknownRef = await app
      .http()
      .patch(`/api/webhooks/${hook.id}`)
      .set(admin)
      .send({ secret: 'secret:gh-hook' })
      .expect(422);
    expect(unknownRef.body.code).toBe('WEBHOOK_SECRET_REFERENCE_UNKNOWN');
    await app
      .http()
      .put('/api/secrets/gh-hook')
      .set(admin)
      .send({ value: 'hmac-in-the-vault' })
      .expect((r) => expect(r.status).toBeLessThan(300));
    const byRef = await app
      .http()
      .patch(`/api/webhooks/${hook.id}`)
      .set(admin)
      .send({ secret: 'secret:gh-hook' })
      .expect(200);
    expect(byRef.body).toMatchObject({ has_secret: true, secret_kind: 'reference' });
    await createWebhook(app, admin, { name: 'taken-name', session_key: 'agent:main:t' });
    const taken = await app
      .http()
      .patch(`/api/webhooks/${hook.id}`)
      .set(admin)
      .send({ name: 'taken-name' })
      .expect(409);
    expect(taken.body.code).toBe('WEBHOOK_NAME_TAKEN');
    await app.http().patch(`/api/webhooks/${hook.id}`).set(admin).send({ bogus: true }).expect(400);
    // The create body's rules apply to each field a PATCH carries.
    for (const [body, field] of [
      [{ name: '' }, 'name'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ signature_header: 'not a header!' }, 'signature_header'],
      [{ secret: '' }, 'secret'],
      [{ agent_id: 'Bad Agent' }, 'agent_id'],
    ] as const) {
      const bad = await app.http().patch(`/api/webhooks/${hook.id}`).set(admin).send(body).expect(400);
      expect(JSON.stringify(bad.body)).toContain(field);
    }
    await app.http().patch('/api/webhooks/not-a-uuid').set(admin).send({ enabled: true }).expect(400);
    await app
      .http()
      .patch('/api/webhooks/3f1c9a2e-8d4b-4c6a-9e2f-1a2b3c4d5e6f')
      .set(admin)
      .send({ enabled: true })
      .expect(404);
    const audit = await app.http().get('/api/audit?action=webhook.update').set(admin).expect(200);
    const mine = audit.body.items.filter((e: any) => e.target === `webhook:${hook.id}`);
    expect(mine.length).toBe(3); // the refused change is not an update
    expect(JSON.stringify(mine)).not.toContain('first-secret');
  });

  it('deletes a webhook with its deliveries, audited', async () => {
    const hook = await createWebhook(app, admin, { name: 'delete-me', session_key: 'agent:main:d' });
    await app
      .http()
      .post(`/api/webhooks/${hook.id}/ingest`)
      .set('Content-Type', 'application/json')
      .send('{}')
      .expect(202);
    const res = await app.http().delete(`/api/webhooks/${hook.id}`).set(admin).expect(200);
    expect(res.body).toEqual({ deleted: true, deliveries_deleted: 1 });
    await app.http().get(`/api/webhooks/${hook.id}`).set(admin).expect(404);
    await app.http().delete(`/api/webhooks/${hook.id}`).set(admin).expect(404);
    const audit = await app.http().get('/api/audit?action=webhook.delete').set(admin).expect(200);
    expect(audit.body.items.some((e: any) => e.target === `webhook:${hook.id}`)).toBe(true);
  });

  it('read keys list and read; only write keys change', async () => {
    const reader = await key(app, ['operator.read']);
    const writer = await key(app, ['operator.write']);
    await app.http().get('/api/webhooks').set(reader).expect(200);
    const denied = await app
      .http()
      .post('/api/webhooks')
      .set(reader)
      .send({ name: 'r', session_key: 'agent:main:r' })
      .expect(403);
    expect(denied.body.code).toBe('MISSING_SCOPE');
    const hook = await createWebhook(app, writer, { name: 'by-writer', session_key: 'agent:main:w' });
    await app.http().get(`/api/webhooks/${hook.id}/deliveries`).set(reader).expect(200);
    await app.http().patch(`/api/webhooks/${hook.id}`).set(reader).send({ enabled: false }).expect(403);
    await app.http().delete(`/api/webhooks/${hook.id}`).set(reader).expect(403);
    await app.http().get('/api/webhooks').expect(401);
  });

  it('lists deliveries newest first with status/time filters and paging; bad filters are 400', async () => {
    const hook = await createWebhook(app, admin, { name: 'history', session_key: 'agent:main:h' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await app
            .http()
            .post(`/api/webhooks/${hook.id}/ingest`)
            .set('Content-Type', 'application/json')
            .send(`{"i":${i}}`)
            .expect(202)
        ).body.delivery_id,
      );
    }
    const all = await app.http().get(`/api/webhooks/${hook.id}/deliveries`).set(admin).expect(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((d: any) => d.id)).toEqual([...ids].reverse());
    expect(all.body.items[0]).toMatchObject({
      status: 'accepted',
      attempts: 0,
      error: null,
      run_id: null,
      payload_bytes: 7,
      received_at: expect.any(String),
      next_attempt_at: expect.any(String),
      processed_at: null,
    });
    expect(all.body.items[0]).not.toHaveProperty('payload');
    const paged = await app
      .http()
      .get(`/api/webhooks/${hook.id}/deliveries?limit=1&offset=1`)
      .set(admin)
      .expect(200);
    expect(paged.body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ id: ids[1] }] });
    expect(
      (await app.http().get(`/api/webhooks/${hook.id}/deliveries?status=failed`).set(admin).expect(200)).body
        .total,
    ).toBe(0);
    expect(
      (
        await app
          .http()
          .get(`/api/webhooks/${hook.id}/deliveries?since=2999-01-01T00:00:00Z`)
          .set(admin)
          .expect(200)
      ).body.total,
    ).toBe(0);
    expect(
      (
        await app
          .http()
          .get(`/api/webhooks/${hook.id}/deliveries?until=2999-01-01T00:00:00Z`)
          .set(admin)
          .expect(200)
      ).body.total,
    ).toBe(3);
    for (const q of ['status=done', 'since=yesterday', 'limit=0', 'limit=501', 'offset=-1', 'foo=bar']) {
      const res = await app.http().get(`/api/webhooks/${hook.id}/deliveries?${q}`).set(admin);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
    await app
      .http()
      .get('/api/webhooks/3f1c9a2e-8d4b-4c6a-9e2f-1a2b3c4d5e6f/deliveries')
      .set(admin)
      .expect(404);
    await app
      .http()
      .get(`/api/webhooks/${hook.id}/deliveries/3f1c9a2e-8d4b-4c6a-9e2f-1a2b3c4d5e6f`)
      .set(admin)
      .expect(404);
  });

  it('the self-check warns about enabled webhooks without a secret', async () => {
    const res = await app.http().get('/api/config/self_check').set(admin).expect(200);
    const warning = res.body.warnings.find((w: any) => w.code === 'WEBHOOK_WITHOUT_SECRET');
    expect(warning).toMatchObject({ severity: 'medium' });
    expect(warning.message).toContain("'bare'");
  });

  it('reports the queue in /api/health', async () => {
    const res = await app.http().get('/api/health').set(admin).expect(200);
    expect(res.body.webhooks).toMatchObject({
      queueDepth: expect.any(Number),
      consumers: 0,
      cleanup: { retentionDays: 30 },
    });
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await app.http().get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/webhooks',
        '/api/webhooks/{id}',
        '/api/webhooks/{id}/ingest',
        '/api/webhooks/{id}/deliveries',
        '/api/webhooks/{id}/deliveries/{delivery_id}/redeliver',
      ]),
    );
    expect(doc.paths['/api/webhooks/{id}/ingest'].post.security ?? []).toEqual([]);
  });
});
