import { EventBus } from '../src/common/events/event-bus';
import { connectedClient } from './support/gateway-client';
import { ADMIN, bearer, browser, createKey, createUser, login } from './auth-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('organizations: tenancy, isolation and the per-organization lock', () => {
  let app: TestApp;
  let defaultOrg: any;
  let acme: any;
  let acmeAdmin: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_LOGIN: '100/60' } });
    const status = await app.http().get('/api/auth/status').set(ADMIN).expect(200);
    defaultOrg = status.body.organization;
  });
  afterAll(() => app.close());

  it('a platform admin creates an organization and receives its first admin key once', async () => {
    const res = await app
      .http()
      .post('/api/orgs')
      .set(ADMIN)
      .send({ slug: 'acme', name: 'Acme Corp', admin_key_label: 'acme root' })
      .expect(201);
    acme = res.body;
    expect(acme).toMatchObject({
      slug: 'acme',
      name: 'Acme Corp',
      platform: false,
      disabled: false,
      locked: false,
    });
    expect(acme.admin_api_key).toMatchObject({
      api_key: expect.stringMatching(/^cc_/),
      scopes: ['operator.admin'],
    });
    acmeAdmin = bearer(acme.admin_api_key.api_key);
    const me = await app.http().get('/api/auth/status').set(acmeAdmin).expect(200);
    expect(me.body).toMatchObject({ organization: { id: acme.id, slug: 'acme' }, platform_admin: false });
    const all = await app.http().get('/api/orgs').set(ADMIN).expect(200);
    expect(all.body.items.map((o: any) => o.slug)).toEqual(['default', 'acme']);
    // The key does not show up again anywhere.
    expect(JSON.stringify(all.body)).not.toContain(acme.admin_api_key.api_key);
  });

  it('bad or duplicate slugs are refused, naming the problem', async () => {
    const dup = await app
      .http()
      .post('/api/orgs')
      .set(ADMIN)
      .send({ slug: 'acme', name: 'again' })
      .expect(409);
    expect(dup.body.code).toBe('ORG_SLUG_TAKEN');
    const bad = await app
      .http()
      .post('/api/orgs')
      .set(ADMIN)
      .send({ slug: 'Not Valid', name: 'x' })
      .expect(400);
    expect(bad.body.detail).toContain('slug');
    await app.http().patch('/api/orgs/not-a-uuid').set(ADMIN).send({ name: 'x' }).expect(400);
    await app.http().patch(`/api/orgs/${acme.id}`).set(ADMIN).send({ slug: 'renamed' }).expect(400);
  });

  it("only platform admins manage organizations; tenants see only their own and others' answer 404", async () => {
    const mine = await app.http().get('/api/orgs').set(acmeAdmin).expect(200);
    expect(mine.body).toMatchObject({ total: 1, items: [expect.objectContaining({ id: acme.id })] });
    await app.http().get(`/api/orgs/${acme.id}`).set(acmeAdmin).expect(200);
    expect((await app.http().get(`/api/orgs/${defaultOrg.id}`).set(acmeAdmin).expect(404)).body.code).toBe(
      'ORG_NOT_FOUND',
    );
    await app.http().patch(`/api/orgs/${defaultOrg.id}`).set(acmeAdmin).send({ name: 'pwned' }).expect(404);
    await app.http().post(`/api/orgs/${defaultOrg.id}/lock`).set(acmeAdmin).send({}).expect(404);
    const ownPatch = await app
      .http()
      .patch(`/api/orgs/${acme.id}`)
      .set(acmeAdmin)
      .send({ name: 'x' })
      .expect(403);
    expect(ownPatch.body.code).toBe('PLATFORM_ADMIN_REQUIRED');
    const create = await app
      .http()
      .post('/api/orgs')
      .set(acmeAdmin)
      .send({ slug: 'evil', name: 'x' })
      .expect(403);
    expect(create.body.code).toBe('PLATFORM_ADMIN_REQUIRED');
    const verify = await app.http().get('/api/audit/verify').set(acmeAdmin).expect(403);
    expect(verify.body.code).toBe('PLATFORM_ADMIN_REQUIRED');
  });

  it("a second organization's key can neither read nor change anything of the first through REST", async () => {
    const victimKey = await createKey(app, ['operator.read']);
    const victimUser = await createUser(app, 'victim@example.com', 'Target-acct-pass-1', 'operator');
    const victimToken = (
      await app.http().post('/api/agent_tokens').set(ADMIN).send({ agent_id: 'main' }).expect(201)
    ).body;
    const note = (
      await app
        .http()
        .post('/api/audit/notes')
        .set(ADMIN)
        .send({ message: 'default-org secret note' })
        .expect(201)
    ).body;

    const keys = await app.http().get('/api/auth/api_keys').set(acmeAdmin).expect(200);
    expect(keys.body.items.map((k: any) => k.id)).not.toContain(victimKey.id);
    expect(keys.body.total).toBe(1);
    for (const [method, url] of [
      ['delete', `/api/auth/api_keys/${victimKey.id}`],
      ['post', `/api/auth/api_keys/${victimKey.id}/rotate`],
      ['get', `/api/auth/users/${victimUser}`],
      ['patch', `/api/auth/users/${victimUser}`],
      ['post', `/api/auth/users/${victimUser}/revoke-all`],
      ['delete', `/api/agent_tokens/${victimToken.id}`],
      ['post', `/api/audit/${note.seq}/review`],
    ] as const) {
      const http = app.http() as any;
      const res = await http[method](url)
        .set(acmeAdmin)
        .send(method === 'patch' ? { role: 'viewer' } : {});
      expect([method, url, res.status]).toEqual([method, url, 404]);
    }
    const users = await app.http().get('/api/auth/users').set(acmeAdmin).expect(200);
    expect(users.body.total).toBe(0);
    const tokens = await app.http().get('/api/agent_tokens').set(acmeAdmin).expect(200);
    expect(tokens.body.total).toBe(0);
    const audit = await app.http().get('/api/audit?limit=1000').set(acmeAdmin).expect(200);
    expect(JSON.stringify(audit.body)).not.toContain('default-org secret note');
    expect(audit.body.items.every((e: any) => e.organization_id === acme.id)).toBe(true);
    // Nothing of the first organization changed.
    await app.http().get('/api/auth/api_keys').set(bearer(victimKey.token)).expect(200);
  });

  it('locking an organization: its keys, sessions and agent tokens answer 423 ORG_LOCKED at once and its sockets close; others are untouched; unlock restores', async () => {
    await createUser(app, 'ops@acme.example', 'Acme-ops-pass-0001', 'admin', acmeAdmin);
    const session = await login(app, 'ops@acme.example', 'Acme-ops-pass-0001');
    const agentToken = (
      await app.http().post('/api/agent_tokens').set(acmeAdmin).send({ agent_id: 'main' }).expect(201)
    ).body.token;
    const { client: acmeSocket } = await connectedClient(app.baseUrl, acme.admin_api_key.api_key);
    const { client: defaultSocket } = await connectedClient(
      app.baseUrl,
      (await createKey(app, ['operator.read'])).token,
    );
    const events: { type: string; payload: any }[] = [];
    const bus = app.app.get(EventBus);
    const offs = [
      bus.subscribe('organization.lock_changed', (p) => events.push({ type: 'lock_changed', payload: p })),
      bus.subscribe('credentials.revoked', (p) => events.push({ type: 'revoked', payload: p })),
    ];

    const locked = await app
      .http()
      .post(`/api/orgs/${acme.id}/lock`)
      .set(ADMIN)
      .send({ reason: 'INC-002' })
      .expect(201);
    expect(locked.body).toMatchObject({ locked: true, locked_reason: 'INC-002' });
    for (const headers of [acmeAdmin, browser(session), { 'X-Agent-Token': agentToken }] as Record<
      string,
      string
    >[]) {
      const res = await app
        .http()
        .get(headers['X-Agent-Token'] ? '/api/agent/me' : '/api/auth/api_keys')
        .set(headers)
        .expect(423);
      expect(res.body.code).toBe('ORG_LOCKED');
    }
    await expect(login(app, 'ops@acme.example', 'Acme-ops-pass-0001')).rejects.toThrow(/423/);
    await app.http().get('/api/auth/api_keys').set(ADMIN).expect(200);
    await acmeSocket.waitForClose(5000); // the bridge closes the locked organization's sockets
    expect(defaultSocket.closed).toBeUndefined();
    defaultSocket.close();
    expect(events.find((e) => e.type === 'lock_changed')?.payload).toEqual({
      organizationId: acme.id,
      locked: true,
    });
    const revoked = events.find((e) => e.type === 'revoked')!.payload;
    expect(revoked.organizationId).toBe(acme.id);
    const sessionId = session.sessionCookie.split('=')[1].split('.')[0];
    expect(revoked.credentialIds).toEqual(expect.arrayContaining([acme.admin_api_key.id, sessionId]));
    expect(revoked.credentialIds.length).toBeGreaterThanOrEqual(3); // key, session, agent token

    const again = await app.http().post(`/api/orgs/${defaultOrg.id}/lock`).set(ADMIN).send({}).expect(409);
    expect(again.body.code).toBe('PLATFORM_ORG_PROTECTED');

    await app.http().delete(`/api/orgs/${acme.id}/lock`).set(ADMIN).expect(200);
    offs.forEach((off) => off());
    await app.http().get('/api/auth/api_keys').set(acmeAdmin).expect(200);
    await app.http().get('/api/auth/api_keys').set(browser(session)).expect(200);
    await app.http().get('/api/agent/me').set({ 'X-Agent-Token': agentToken }).expect(200);
    const audit = await app.http().get('/api/audit?action=org.').set(ADMIN).expect(200);
    expect(audit.body.items.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['org.create', 'org.lock', 'org.unlock']),
    );
  });

  it('a disabled organization answers 403 ORG_DISABLED; the platform organization cannot be disabled', async () => {
    await app.http().patch(`/api/orgs/${acme.id}`).set(ADMIN).send({ disabled: true }).expect(200);
    expect((await app.http().get('/api/auth/api_keys').set(acmeAdmin).expect(403)).body.code).toBe(
      'ORG_DISABLED',
    );
    await app
      .http()
      .patch(`/api/orgs/${acme.id}`)
      .set(ADMIN)
      .send({ disabled: false, name: 'Acme Inc' })
      .expect(200);
    await app.http().get('/api/auth/api_keys').set(acmeAdmin).expect(200);
    expect(
      (await app.http().patch(`/api/orgs/${defaultOrg.id}`).set(ADMIN).send({ disabled: true }).expect(409))
        .body.code,
    ).toBe('PLATFORM_ORG_PROTECTED');
  });
});
