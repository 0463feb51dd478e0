import { DatabaseEndpoint } from '../src/database/database-endpoint';
import { EmbeddedPostgres, MEMORY_DATA_DIR } from '../src/database/embedded-postgres';
import { ADMIN, bearer, browser, createKey, login } from './auth-helpers';
import { findPgBinDir, PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { startTestApp, TestApp, waitFor } from './support/test-app';
import { createScratchDatabase } from './support/test-db';

const ADMIN_EMAIL = 'lock@example.com';
const ADMIN_PASSWORD = 'Lockdown-drill-pass-42';
const SECRET_A = 'f3a9c1d07e5b4a2896c0d1e2f3a4b5c6d7e8f90a1b2c3d4e';
const SECRET_B = '9b8a7c6d5e4f30211f0e9d8c7b6a5f4e3d2c1b0a99887766';

/** One database that outlives app instances: a scratch DB on TEST_DATABASE_URL, else embedded PGlite. */
async function sharedEndpoint(): Promise<DatabaseEndpoint> {
  const scratch = await createScratchDatabase();
  if (scratch) return { url: scratch.url, embedded: false, stop: () => scratch.drop() };
  const pg = await EmbeddedPostgres.start(MEMORY_DATA_DIR);
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}

describe('emergency lockdown', () => {
  let endpoint: DatabaseEndpoint;
  let app: TestApp | undefined;
  const start = async (env: Record<string, string> = {}) =>
    (app = await startTestApp({
      endpoint,
      env: { ADMIN_EMAIL, ADMIN_PASSWORD, SESSION_SECRET: SECRET_A, ...env },
    }));

  beforeAll(async () => {
    endpoint = await sharedEndpoint();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => endpoint.stop());

  it('makes every non-admin mutating request answer 503 LOCKDOWN; reads and admin actions still work; DELETE lifts it', async () => {
    const a = await start();
    const writer = bearer((await createKey(a, ['operator.write'])).token);
    await a.http().post('/api/audit/notes').set(writer).send({ message: 'before' }).expect(201);
    const reader = await createKey(a, ['operator.read']);
    await a.http().post('/api/admin/lockdown').set(bearer(reader.token)).send({}).expect(403);

    const on = await a
      .http()
      .post('/api/admin/lockdown')
      .set(ADMIN)
      .send({ reason: 'INC-002 drill' })
      .expect(200);
    expect(on.body).toMatchObject({
      active: true,
      reason: 'INC-002 drill',
      by: expect.stringMatching(/^api_key:/),
      since: expect.any(String),
    });
    const refused = await a
      .http()
      .post('/api/audit/notes')
      .set(writer)
      .send({ message: 'during' })
      .expect(503);
    expect(refused.body.code).toBe('LOCKDOWN');
    expect(refused.headers['retry-after']).toBeDefined();
    await a.http().get('/api/auth/api_keys').set(writer).expect(200);
    await a
      .http()
      .post('/api/auth/api_keys')
      .set(ADMIN)
      .send({ label: 'incident responder', scopes: ['operator.read'] })
      .expect(201);
    expect((await a.http().get('/api/admin/lockdown').set(writer).expect(200)).body.active).toBe(true);
    expect((await a.http().get('/api/auth/status').set(writer).expect(200)).body.lockdown).toBe(true);
    // Browser sessions of operators are held too.
    await a
      .http()
      .post('/api/auth/users')
      .set(ADMIN)
      .send({ email: 'op2@example.com', password: 'Operator-two-pass-1', role: 'operator' })
      .expect(201);
    const op = await login(a, 'op2@example.com', 'Operator-two-pass-1');
    await a.http().post('/api/audit/notes').set(browser(op)).send({ message: 'during' }).expect(503);

    await a.http().delete('/api/admin/lockdown').set(ADMIN).expect(200);
    await a.http().post('/api/audit/notes').set(writer).send({ message: 'after' }).expect(201);
    const audit = await a.http().get('/api/audit?action=lockdown.').set(ADMIN).expect(200);
    expect(audit.body.items.map((e: any) => e.action)).toEqual(['lockdown.disable', 'lockdown.enable']);
    expect(audit.body.items[1].details.reason).toBe('INC-002 drill');
  });

  it('survives a restart (the state lives in the settings table)', async () => {
    const a = await start();
    const writer = (await createKey(a, ['operator.write'])).token;
    await a.http().post('/api/admin/lockdown').set(ADMIN).send({ reason: 'before restart' }).expect(200);
    await a.close();
    const b = await start();
    expect((await b.http().get('/api/admin/lockdown').set(ADMIN).expect(200)).body).toMatchObject({
      active: true,
      reason: 'before restart',
    });
    await b.http().post('/api/audit/notes').set(bearer(writer)).send({ message: 'x' }).expect(503);
    await b.http().delete('/api/admin/lockdown').set(ADMIN).expect(200);
    await b.http().post('/api/audit/notes').set(bearer(writer)).send({ message: 'x' }).expect(201);
  });

  it('changing SESSION_SECRET signs every browser session and agent token out; API keys keep working', async () => {
    const a = await start();
    const session = await login(a, ADMIN_EMAIL, ADMIN_PASSWORD);
    const agentToken = (
      await a.http().post('/api/agent_tokens').set(ADMIN).send({ agent_id: 'main' }).expect(201)
    ).body.token;
    const key = await createKey(a, ['operator.read']);
    await a.close();

    // Same secret: server-side sessions survive a restart.
    const same = await start();
    await same.http().get('/api/auth/api_keys').set(browser(session)).expect(200);
    await same.http().get('/api/agent/me').set({ 'X-Agent-Token': agentToken }).expect(200);
    await same.close();

    const rotated = await start({ SESSION_SECRET: SECRET_B });
    expect((await rotated.http().get('/api/auth/api_keys').set(browser(session)).expect(401)).body.code).toBe(
      'UNAUTHORIZED',
    );
    await rotated.http().get('/api/agent/me').set({ 'X-Agent-Token': agentToken }).expect(401);
    await rotated.http().get('/api/auth/api_keys').set(bearer(key.token)).expect(200);
    // Signing in again works and yields a session under the new secret.
    const fresh = await login(rotated, ADMIN_EMAIL, ADMIN_PASSWORD);
    await rotated
      .http()
      .post('/api/audit/notes')
      .set(browser(fresh))
      .send({ message: 'after rotation' })
      .expect(201);
  });
});

/** Two replicas at once need a server that takes several connections (embedded PGlite serves one client). */
const twoReplicaDb = process.env.TEST_DATABASE_URL || findPgBinDir();
(twoReplicaDb ? describe : describe.skip)('lockdown across replicas', () => {
  let pg: PrivatePostgres | undefined;
  let url: string;
  let drop: (() => Promise<void>) | undefined;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    if (scratch) {
      url = scratch.url;
      drop = () => scratch.drop();
    } else {
      pg = await startPrivatePostgres();
      url = pg.url;
    }
    a = await startTestApp({ env: { DATABASE_URL: url } });
    b = await startTestApp({ env: { DATABASE_URL: url } });
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
    await pg?.destroy();
  });

  it('a lockdown set on one replica holds on the other within a second or two, and so does lifting it', async () => {
    const writer = bearer((await createKey(a, ['operator.write'])).token);
    await b.http().post('/api/audit/notes').set(writer).send({ message: 'b before' }).expect(201);
    await a.http().post('/api/admin/lockdown').set(ADMIN).send({}).expect(200);
    await waitFor(
      async () =>
        (await b.http().post('/api/audit/notes').set(writer).send({ message: 'b during' })).status === 503,
      5000,
      'lockdown on replica b',
    );
    await b.http().delete('/api/admin/lockdown').set(ADMIN).expect(200);
    await waitFor(
      async () =>
        (await a.http().post('/api/audit/notes').set(writer).send({ message: 'a after' })).status === 201,
      5000,
      'lockdown lifted on replica a',
    );
  });
});
