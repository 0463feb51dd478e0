import { randomUUID } from 'node:crypto';
import { connectedClient, GatewayTestClient } from './support/gateway-client';
import { AppPair, backendsUnavailable, startAppPair } from './support/cluster';
import { TEST_ADMIN_KEY, TestApp } from './support/test-app';

/**
 * Two replicas on one PostgreSQL and one Redis: a socket on one replica sees
 * runs executing on the other, and a key revoked through one replica closes
 * its sockets on the other. Skipped when no PostgreSQL/Redis can be started.
 */
const reason = backendsUnavailable();
if (reason) console.warn(`gateway replica tests skipped: ${reason}`);
const describeIf = reason ? describe.skip : describe;

describeIf('Gateway bridge across two replicas', () => {
  let pair: AppPair | undefined;
  let a: TestApp;
  let b: TestApp;
  const clients: GatewayTestClient[] = [];
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    pair = await startAppPair({
      GATEWAY_RATE_LIMIT: '100000/1',
    });
    ({ a, b } = pair);
  }, 120_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await pair?.close();
  });

  it('a subscribed socket on B receives the chat events of a run started through A, in order, one terminal', async () => {
    const { client: onA } = await connectedClient(a.baseUrl, TEST_ADMIN_KEY);
    const { client: onB } = await connectedClient(b.baseUrl, TEST_ADMIN_KEY);
    clients.push(onA, onB);
    await onB.request('sessions.subscribe');
    const res = await onA.request('chat.send', {
      sessionKey: `agent:main:rep-${randomUUID().slice(0, 8)}`,
      message: 'across replicas',
      idempotencyKey: randomUUID(),
    });
    const runId = res.payload.runId;
    const final = await onB.waitForEvent(
      (e) => e.event === 'chat' && e.payload?.runId === runId && e.payload.state === 'final',
      15_000,
      'final on B',
    );
    expect(final.payload.message.content[0].text).toBe('Echo: across replicas');
    const seqs = onB.events
      .filter((e) => e.event === 'chat' && e.payload?.runId === runId)
      .map((e) => e.payload.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('revoking a key through A closes its socket on B within a second', async () => {
    const key = (
      await a
        .http()
        .post('/api/auth/api_keys')
        .set(admin)
        .send({ label: 'rep', scopes: ['operator.read'] })
        .expect(201)
    ).body;
    const { client } = await connectedClient(b.baseUrl, key.api_key);
    clients.push(client);
    const started = Date.now();
    await a.http().delete(`/api/auth/api_keys/${key.id}`).set(admin).expect(200);
    expect((await client.waitForClose(3000)).code).toBe(1008);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
