import { EventBus } from '../src/common/events/event-bus';
import { connectedClient } from './support/gateway-client';
import { ADMIN, bearer, browser, createKey, createUser, login } from './auth-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('revoke-all (INC-002)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('kills every API key, browser session and agent token of the user at once, closes their WebSockets and publishes credentials.revoked', async () => {
    const userId = await createUser(app, 'suspect@example.com', 'Compromised-pw-9081', 'admin');
    await createUser(app, 'bystander@example.com', 'Innocent-pw-77341', 'admin');
    const s1 = await login(app, 'suspect@example.com', 'Compromised-pw-9081');
    const s2 = await login(app, 'suspect@example.com', 'Compromised-pw-9081');
    const other = await login(app, 'bystander@example.com', 'Innocent-pw-77341');
    // Credentials created by the user belong to the user.
    const key = (
      await app
        .http()
        .post('/api/auth/api_keys')
        .set(browser(s1))
        .send({ label: 'laptop', scopes: ['operator.write'] })
        .expect(201)
    ).body;
    const agentToken = (
      await app.http().post('/api/agent_tokens').set(browser(s1)).send({ agent_id: 'main' }).expect(201)
    ).body;
    const unrelatedKey = await createKey(app, ['operator.read']);
    await app.http().get('/api/agent/me').set({ 'X-Agent-Token': agentToken.token }).expect(200);

    // The user's key holds an open WebSocket on the bridge; a bystander's key holds another.
    const { client: socket } = await connectedClient(app.baseUrl, key.api_key);
    const { client: bystanderSocket } = await connectedClient(app.baseUrl, unrelatedKey.token);

    const events: any[] = [];
    const off = app.app.get(EventBus).subscribe('credentials.revoked', (e) => events.push(e));
    const res = await app.http().post(`/api/auth/users/${userId}/revoke-all`).set(ADMIN).expect(200);
    off();
    expect(res.body).toMatchObject({ user_id: userId, api_keys: 1, browser_sessions: 2, agent_tokens: 1 });

    const sessionId = (s: { sessionCookie: string }) => s.sessionCookie.split('=')[1].split('.')[0];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId, reason: 'revoke-all' });
    expect([...events[0].credentialIds].sort()).toEqual(
      [key.id, agentToken.id, sessionId(s1), sessionId(s2)].sort(),
    );

    for (const headers of [browser(s1), browser(s2), bearer(key.api_key)]) {
      expect((await app.http().get('/api/auth/api_keys').set(headers).expect(401)).body.code).toBe(
        'UNAUTHORIZED',
      );
    }
    await app.http().get('/api/agent/me').set({ 'X-Agent-Token': agentToken.token }).expect(401);
    expect((await socket.waitForClose(5000)).reason).toContain('revoked');
    expect(bystanderSocket.closed).toBeUndefined();
    bystanderSocket.close();
    // Nobody else lost access; the user may sign in again (password reset is a separate step).
    await app.http().get('/api/auth/api_keys').set(browser(other)).expect(200);
    await app.http().get('/api/auth/api_keys').set(bearer(unrelatedKey.token)).expect(200);

    const audit = await app.http().get('/api/audit?action=auth.revoke_all').set(ADMIN).expect(200);
    expect(audit.body.items[0]).toMatchObject({
      target: 'user:suspect@example.com',
      details: { user_id: userId, api_keys: 1, browser_sessions: 2, agent_tokens: 1 },
    });
  });

  it("works as OCMT's runbook writes it: an API key in X-Auth-Token", async () => {
    const userId = await createUser(app, 'ocmt-suspect@example.com', 'Compromised-pw-4410', 'admin');
    const reader = await createKey(app, ['operator.read']);
    const revokeAll = () => app.http().post(`/api/auth/users/${userId}/revoke-all`);
    expect(
      (await revokeAll().set('X-Auth-Token', 'cc_not_a_real_key_000000000000').expect(401)).body.code,
    ).toBe('UNAUTHORIZED');
    expect((await revokeAll().set('X-Auth-Token', reader.token).expect(403)).body.code).toBe('MISSING_SCOPE');
    await revokeAll().set('X-Auth-Token', ADMIN.Authorization.slice('Bearer '.length)).expect(200);
    // Authorization, when present, is the credential that counts.
    await revokeAll()
      .set(bearer(reader.token))
      .set('X-Auth-Token', ADMIN.Authorization.slice('Bearer '.length))
      .expect(403);
  });

  it('disabling a user revokes everything too; unknown users answer 404; only admins may', async () => {
    const userId = await createUser(app, 'leaver@example.com', 'Leaving-pw-00912', 'operator');
    const s = await login(app, 'leaver@example.com', 'Leaving-pw-00912');
    await app.http().patch(`/api/auth/users/${userId}`).set(ADMIN).send({ disabled: true }).expect(200);
    await app.http().get('/api/auth/api_keys').set(browser(s)).expect(401);
    await expect(login(app, 'leaver@example.com', 'Leaving-pw-00912')).rejects.toThrow(/401/);
    const missing = await app
      .http()
      .post('/api/auth/users/00000000-0000-4000-8000-000000000000/revoke-all')
      .set(ADMIN)
      .expect(404);
    expect(missing.body.code).toBe('USER_NOT_FOUND');
    await app.http().post('/api/auth/users/nope/revoke-all').set(ADMIN).expect(400);
    const writer = await createKey(app, ['operator.write']);
    await app.http().post(`/api/auth/users/${userId}/revoke-all`).set(bearer(writer.token)).expect(403);
  });
});
