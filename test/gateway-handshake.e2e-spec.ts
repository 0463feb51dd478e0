import { DataSource } from 'typeorm';
import { cliConnect, connectedClient, GatewayTestClient, TestDevice, wsUrl } from './support/gateway-client';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

describe('Gateway bridge: handshake', () => {
  let app: TestApp;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const clients: GatewayTestClient[] = [];
  const open = async (query = '') => {
    const c = await GatewayTestClient.open(wsUrl(app.baseUrl, query));
    clients.push(c);
    return c;
  };
  const createKey = async (scopes: string[]) =>
    (await app.http().post('/api/auth/api_keys').set(admin).send({ label: `gw-${scopes.join('-')}`, scopes }).expect(201)).body.api_key as string;

  beforeAll(async () => {
    app = await startTestApp({ env: { GATEWAY_HANDSHAKE_TIMEOUT_MS: '400', GATEWAY_CONNECT_FAILURE_LIMIT: '1000/60' } });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => app.close());

  it('sends connect.challenge with a uuid nonce and a timestamp on open', async () => {
    const c = await open();
    const challenge = c.events[0];
    expect(challenge.event).toBe('connect.challenge');
    expect(challenge.payload.nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Math.abs(challenge.payload.ts - Date.now())).toBeLessThan(5000);
  });

  it('accepts the OpenClaw CLI on protocol 4 with a hello-ok of the exact shape', async () => {
    const c = await open();
    const res = await c.request('connect', cliConnect(TEST_ADMIN_KEY));
    expect(res).toMatchObject({ type: 'res', ok: true });
    const hello = res.payload;
    expect(hello.type).toBe('hello-ok');
    expect(hello.protocol).toBe(4);
    expect(hello.server).toEqual({ version: expect.any(String), connId: expect.any(String) });
    expect(hello.features.methods).toEqual(expect.arrayContaining(['health', 'system-presence', 'config.get', 'node.list']));
    expect(hello.features.methods).not.toContain('connect');
    expect(hello.features.events).toEqual(expect.arrayContaining(['tick', 'chat', 'presence', 'health', 'shutdown', 'sessions.changed']));
    expect(hello.snapshot).toMatchObject({
      presence: expect.any(Array),
      health: expect.any(Object),
      stateVersion: { presence: expect.any(Number), health: expect.any(Number) },
      uptimeMs: expect.any(Number),
      sessionDefaults: { defaultAgentId: 'main', mainKey: 'main', mainSessionKey: 'agent:main:main' },
      authMode: 'token',
    });
    expect(hello.snapshot.presence.some((p: any) => p.mode === 'cli' && p.host === 'cli')).toBe(true);
    expect(hello.auth).toEqual({
      method: 'token',
      role: 'operator',
      scopes: ['operator.read', 'operator.write', 'operator.approvals', 'operator.admin'],
    });
    expect(hello.policy).toEqual({ maxPayload: 1048576, maxBufferedBytes: 4194304, tickIntervalMs: 30000 });
    expect(JSON.stringify(hello)).not.toContain(TEST_ADMIN_KEY);
    const health = await c.request('health');
    expect(health.ok).toBe(true);
  });

  it('accepts Mission Control on protocol 3: token in query and auth, four scopes, device signed over the v2 payload', async () => {
    const token = await createKey(['operator.write']);
    const c = await open(`?token=${encodeURIComponent(token)}`);
    const device = new TestDevice();
    const scopes = ['operator.read', 'operator.write', 'operator.admin', 'operator.approvals'];
    const client = { id: 'gateway-client', version: '1.4.0', platform: 'python', mode: 'backend' };
    const res = await c.request('connect', {
      minProtocol: 3,
      maxProtocol: 3,
      client,
      role: 'operator',
      scopes,
      caps: [],
      commands: [],
      permissions: {},
      auth: { token },
      device: device.blockV2({ clientId: client.id, clientMode: client.mode, role: 'operator', scopes, token, nonce: c.challenge!.nonce }),
    });
    expect(res.ok).toBe(true);
    expect(res.payload.protocol).toBe(3);
    // Granted = requested ∩ the key's (write implies read; admin and approvals are not the key's).
    expect(res.payload.auth.scopes).toEqual(['operator.read', 'operator.write']);
    const presence = await c.request('system-presence');
    expect(presence.payload.find((p: any) => p.mode === 'backend')).toMatchObject({ deviceId: device.id, host: 'gateway-client' });
    const rows = await app.app.get(DataSource).query('SELECT device_id, public_key, client_id, platform, last_seen_at FROM devices WHERE device_id = $1', [device.id]);
    expect(rows).toEqual([
      expect.objectContaining({ device_id: device.id, public_key: device.publicKey, client_id: 'gateway-client', platform: 'python' }),
    ]);
  });

  it('also verifies a device signed over the v3 payload', async () => {
    const c = await open();
    const device = new TestDevice();
    const params = cliConnect(TEST_ADMIN_KEY, { client: { id: 'cli', version: '1', platform: 'Linux', mode: 'cli', deviceFamily: 'Desktop' } });
    params.device = device.blockV3({
      clientId: 'cli',
      clientMode: 'cli',
      role: 'operator',
      scopes: params.scopes as string[],
      token: TEST_ADMIN_KEY,
      nonce: c.challenge!.nonce,
      platform: 'Linux',
      deviceFamily: 'Desktop',
    });
    const res = await c.request('connect', params);
    expect(res.ok).toBe(true);
  });

  it('answers the highest common version for any range containing 3 or 4', async () => {
    for (const [min, max, expected] of [
      [3, 4, 4],
      [1, 3, 3],
      [4, 9, 4],
      [3, 3, 3],
    ]) {
      const c = await open();
      const res = await c.request('connect', cliConnect(TEST_ADMIN_KEY, { minProtocol: min, maxProtocol: max }));
      expect(res.payload?.protocol).toBe(expected);
    }
  });

  it('fails a client offering neither 3 nor 4 with PROTOCOL_MISMATCH and close 1002', async () => {
    for (const [min, max] of [
      [5, 6],
      [1, 2],
    ]) {
      const c = await open();
      const res = await c.request('connect', cliConnect(TEST_ADMIN_KEY, { minProtocol: min, maxProtocol: max }));
      expect(res.ok).toBe(false);
      expect(res.error).toMatchObject({ code: 'PROTOCOL_MISMATCH', message: 'protocol mismatch', details: { code: 'PROTOCOL_MISMATCH' } });
      expect(await c.waitForClose()).toEqual({ code: 1002, reason: 'protocol mismatch' });
    }
  });

  it('refuses a wrong token with AUTH_TOKEN_MISMATCH and close 1008', async () => {
    for (const token of ['nope', 'cc_0123456789ab_' + 'x'.repeat(43)]) {
      const c = await open();
      const res = await c.request('connect', cliConnect(token));
      expect(res.error).toEqual({ code: 'INVALID_REQUEST', message: 'unauthorized: gateway token mismatch', details: { code: 'AUTH_TOKEN_MISMATCH' } });
      expect((await c.waitForClose()).code).toBe(1008);
    }
  });

  it('refuses a connect without any token with NOT_PAIRED / AUTH_REQUIRED and close 1008', async () => {
    const c = await open();
    const res = await c.request('connect', cliConnect(undefined));
    expect(res.error).toMatchObject({ code: 'NOT_PAIRED', details: { code: 'AUTH_REQUIRED' } });
    expect((await c.waitForClose()).code).toBe(1008);
  });

  it('takes the token from the ?token= query alone', async () => {
    const c = await open(`?token=${encodeURIComponent(TEST_ADMIN_KEY)}`);
    const res = await c.request('connect', cliConnect(undefined));
    expect(res.ok).toBe(true);
  });

  it('accepts an agent token, which holds no operator scopes', async () => {
    const created = (await app.http().post('/api/agent_tokens').set(admin).send({ agent_id: 'main', label: 'gw' }).expect(201)).body;
    const c = await open();
    const res = await c.request('connect', cliConnect(created.token));
    expect(res.ok).toBe(true);
    expect(res.payload.auth.scopes).toEqual([]);
    expect((await c.request('health')).error).toMatchObject({ code: 'FORBIDDEN', details: { code: 'MISSING_SCOPE', missingScope: 'operator.read' } });
  });

  it('refuses a revoked key', async () => {
    const created = (await app.http().post('/api/auth/api_keys').set(admin).send({ label: 'gone', scopes: ['operator.read'] }).expect(201)).body;
    await app.http().delete(`/api/auth/api_keys/${created.id}`).set(admin).expect(200);
    const c = await open();
    const res = await c.request('connect', cliConnect(created.api_key));
    expect(res.error?.details?.code).toBe('AUTH_TOKEN_MISMATCH');
  });

  it('rejects forged, replayed and stale device signatures with DEVICE_AUTH_SIGNATURE_INVALID', async () => {
    const device = new TestDevice();
    const other = new TestDevice();
    const base = { clientId: 'cli', clientMode: 'cli', role: 'operator', scopes: ['operator.read'], token: TEST_ADMIN_KEY };
    const cases: Array<(nonce: string) => Record<string, unknown>> = [
      // signed by another key
      (nonce) => ({ ...other.blockV2({ ...base, nonce }), id: device.id, publicKey: device.publicKey }),
      // nonce of another challenge
      () => device.blockV2({ ...base, nonce: '00000000-0000-4000-8000-000000000000' }),
      // signed 11 minutes ago
      (nonce) => device.blockV2({ ...base, nonce, signedAt: Date.now() - 11 * 60 * 1000 }),
      // id that is not the key's hash
      (nonce) => ({ ...device.blockV2({ ...base, nonce }), id: 'a'.repeat(64) }),
      // signature over different scopes
      (nonce) => ({ ...device.blockV2({ ...base, nonce, scopes: ['operator.admin'] }) }),
      // garbage key and signature
      (nonce) => ({ id: device.id, publicKey: 'not base64!', signature: '???', signedAt: Date.now(), nonce }),
    ];
    for (const make of cases) {
      const c = await open();
      const res = await c.request('connect', cliConnect(TEST_ADMIN_KEY, { scopes: ['operator.read'], device: make(c.challenge!.nonce) }));
      expect(res.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'device signature invalid', details: { code: 'DEVICE_AUTH_SIGNATURE_INVALID' } });
      expect((await c.waitForClose()).code).toBe(1008);
    }
  });

  it('requires connect as the first request (close 1008)', async () => {
    const c = await open();
    const res = await c.request('health');
    expect(res.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'invalid handshake: first request must be connect' });
    expect((await c.waitForClose()).code).toBe(1008);
  });

  it('closes a socket sending garbage before connect with 1008', async () => {
    const c = await open();
    c.send('this is not json');
    expect((await c.waitForClose()).code).toBe(1008);
  });

  it('validates connect params, naming the field', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...cliConnect(TEST_ADMIN_KEY), client: { id: 'cli', mode: 'spaceship' } }, 'client.mode'],
      [{ ...cliConnect(TEST_ADMIN_KEY), client: undefined }, 'client'],
      [{ ...cliConnect(TEST_ADMIN_KEY), minProtocol: 'four' }, 'minProtocol'],
      [{ ...cliConnect(TEST_ADMIN_KEY), scopes: 'operator.read' }, 'scopes'],
      [{ ...cliConnect(TEST_ADMIN_KEY), role: 'node' }, 'role'],
    ];
    for (const [params, field] of bad) {
      const c = await open();
      const res = await c.request('connect', params);
      expect(res.error?.code).toBe('INVALID_REQUEST');
      expect(res.error?.message).toContain(field);
      expect((await c.waitForClose()).code).toBe(1008);
    }
  });

  it('ignores connect fields it does not use (caps, commands, permissions, pathEnv, modelCatalog)', async () => {
    const c = await open();
    const res = await c.request(
      'connect',
      cliConnect(TEST_ADMIN_KEY, { caps: ['x'], commands: [{}], permissions: { a: 1 }, pathEnv: '/bin', modelCatalog: [], locale: 'en-US', userAgent: 'x/1' }),
    );
    expect(res.ok).toBe(true);
  });

  it('answers a second connect with INVALID_REQUEST and keeps the socket', async () => {
    const { client: c } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
    clients.push(c);
    const again = await c.request('connect', cliConnect(TEST_ADMIN_KEY));
    expect(again.error?.code).toBe('INVALID_REQUEST');
    expect((await c.request('health')).ok).toBe(true);
  });

  it('closes a socket that does not connect within the handshake timeout (1008)', async () => {
    const c = await open();
    expect(await c.waitForClose(5000)).toEqual({ code: 1008, reason: 'handshake timeout' });
  });

  it('grants requested ∩ held scopes and refuses methods beyond them with MISSING_SCOPE', async () => {
    const reader = await createKey(['operator.read']);
    const { client: c, hello } = await connectedClient(app.baseUrl, reader);
    clients.push(c);
    expect(hello.payload.auth.scopes).toEqual(['operator.read']);
    const { client: narrowed, hello: h2 } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY, { scopes: ['operator.read'] });
    clients.push(narrowed);
    expect(h2.payload.auth.scopes).toEqual(['operator.read']);
    const { client: all, hello: h3 } = await connectedClient(app.baseUrl, reader, { scopes: [] });
    clients.push(all);
    expect(h3.payload.auth.scopes).toEqual(['operator.read']);
  });

  it('refuses upgrades on other paths (the bridge is at /, not /ws)', async () => {
    await expect(GatewayTestClient.open(app.baseUrl.replace('http', 'ws') + '/ws')).rejects.toThrow(/HTTP 404/);
  });

  it('counts connections in /api/health', async () => {
    const { client: c } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
    clients.push(c);
    const res = await app.http().get('/api/health').set(admin).expect(200);
    expect(res.body.wsConnections).toBeGreaterThanOrEqual(1);
    const metrics = await waitFor(async () => {
      const r = await app.http().get('/metrics').set(admin);
      return r.status === 200 ? r.text : undefined;
    }, 5000, '/metrics').catch(() => undefined);
    if (metrics) expect(metrics).toMatch(/ws_connections \d+/);
  });
});
