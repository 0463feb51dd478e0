import { randomUUID } from 'node:crypto';
import { connectedClient, GatewayTestClient } from './support/gateway-client';
import { AppPair, backendsUnavailable, startAppPair } from './support/cluster';
import { TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

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

  it('presence lists the clients of both replicas, and a client that leaves A is gone from B within seconds', async () => {
    const probe = (name: string) => ({
      client: {
        id: name,
        version: '1.0.0',
        platform: 'linux',
        mode: 'backend',
        instanceId: `${name}-${randomUUID().slice(0, 8)}`,
      },
    });
    const onBParams = probe('on-b');
    const onAParams = probe('on-a');
    const { client: onB } = await connectedClient(b.baseUrl, TEST_ADMIN_KEY, onBParams);
    const { client: onA } = await connectedClient(a.baseUrl, TEST_ADMIN_KEY, onAParams);
    clients.push(onB, onA);
    const listed = async (on: GatewayTestClient, instanceId: string) =>
      ((await on.request('system-presence')).payload as any[]).find((p) => p.instanceId === instanceId);

    await waitFor(() => listed(onB, onAParams.client.instanceId), 5_000, "A's client in B's system-presence");
    expect(await listed(onB, onAParams.client.instanceId)).toMatchObject({
      host: 'on-a',
      mode: 'backend',
      reason: 'connect',
    });
    await waitFor(() => listed(onA, onBParams.client.instanceId), 5_000, "B's client in A's system-presence");
    // B's readers heard of it with a presence event; each replica lists only itself as the gateway.
    await onB.waitForEvent(
      (e) =>
        e.event === 'presence' &&
        e.payload.presence.some((p: any) => p.instanceId === onAParams.client.instanceId),
      5_000,
      'presence event on B',
    );
    expect(
      ((await onB.request('system-presence')).payload as any[]).filter((p) => p.reason === 'self'),
    ).toHaveLength(1);

    onA.close();
    await waitFor(
      async () => !(await listed(onB, onAParams.client.instanceId)),
      5_000,
      "A's client gone from B",
    );
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
