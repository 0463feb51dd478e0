import { ConnectionRegistry } from '../src/modules/gateway/connection/connection-registry';
import { GatewayMetrics } from '../src/modules/gateway/gateway.metrics';
import { cliConnect, connectedClient, GatewayTestClient, wsUrl } from './support/gateway-client';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

async function rejects(app: TestApp, reason: string): Promise<number> {
  const metric = await app.app.get(GatewayMetrics).rejects.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('Gateway bridge: limits', () => {
  describe('per-connection rate, failed connects, connection cap', () => {
    let app: TestApp;
    const clients: GatewayTestClient[] = [];
    beforeAll(async () => {
      app = await startTestApp({
        env: { GATEWAY_RATE_LIMIT: '5/60', GATEWAY_CONNECT_FAILURE_LIMIT: '3/60', MAX_WEBSOCKET_CONNECTIONS: '4' },
      });
    });
    afterEach(() => clients.splice(0).forEach((c) => c.close()));
    afterAll(() => app.close());

    it('limits requests per connection with UNAVAILABLE, retryable, retryAfterMs; the socket stays open', async () => {
      const { client } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      clients.push(client);
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await client.request('health'));
      expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
      const limited = results[5];
      expect(limited.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, retryAfterMs: expect.any(Number), details: { code: 'RATE_LIMITED' } });
      expect(limited.error!.retryAfterMs).toBeGreaterThan(0);
      expect(client.closed).toBeUndefined();
      // Another connection has its own budget.
      const { client: other } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      clients.push(other);
      expect((await other.request('health')).ok).toBe(true);
    });

    it('refuses upgrades beyond MAX_WEBSOCKET_CONNECTIONS with HTTP 503 before the handshake', async () => {
      const registry = app.app.get(ConnectionRegistry);
      await waitFor(() => registry.size === 0, 5000, 'earlier sockets gone');
      for (let i = 0; i < 4; i++) clients.push(await GatewayTestClient.open(wsUrl(app.baseUrl)));
      await expect(GatewayTestClient.open(wsUrl(app.baseUrl))).rejects.toThrow(/HTTP 503/);
      expect(await rejects(app, 'max_connections')).toBeGreaterThanOrEqual(1);
      clients.pop()!.close();
      await waitFor(() => registry.size === 3, 5000, 'a slot freed');
      clients.push(await GatewayTestClient.open(wsUrl(app.baseUrl)));
    });

    it('rate-limits failed connects per client IP, even a right token afterwards', async () => {
      for (let i = 0; i < 3; i++) {
        const c = await GatewayTestClient.open(wsUrl(app.baseUrl));
        clients.push(c);
        expect((await c.request('connect', cliConnect('wrong'))).error?.details?.code).toBe('AUTH_TOKEN_MISMATCH');
        await c.waitForClose();
      }
      const c = await GatewayTestClient.open(wsUrl(app.baseUrl));
      clients.push(c);
      await c.request('connect', cliConnect('wrong'));
      await c.waitForClose();
      const blocked = await GatewayTestClient.open(wsUrl(app.baseUrl));
      clients.push(blocked);
      const res = await blocked.request('connect', cliConnect(TEST_ADMIN_KEY));
      expect(res.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { code: 'AUTH_RATE_LIMITED' } });
      expect(res.error!.retryAfterMs).toBeGreaterThan(0);
      expect((await blocked.waitForClose()).code).toBe(1008);
    });
  });

  describe('slow readers, idle sockets, shutdown', () => {
    let app: TestApp;
    let closed = false;
    const clients: GatewayTestClient[] = [];
    beforeAll(async () => {
      app = await startTestApp({
        env: { GATEWAY_MAX_BUFFERED_BYTES: '65536', GATEWAY_HEARTBEAT_INTERVAL_MS: '1000', GATEWAY_RATE_LIMIT: '1000000/1' },
      });
    });
    afterEach(() => clients.splice(0).forEach((c) => c.close()));
    afterAll(async () => {
      if (!closed) await app.close();
    });

    it('disconnects a client that stops reading instead of buffering without bound', async () => {
      const registry = app.app.get(ConnectionRegistry);
      const { client, hello } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      const slowConnId = hello.payload.server.connId;
      clients.push(client);
      const { client: healthy } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      clients.push(healthy);
      const before = await rejects(app, 'slow_consumer');
      client.ws.pause();
      const frame = JSON.stringify({ type: 'req', id: 'x', method: 'config.get' });
      // Keep asking for ~4 KB answers it never reads until the server gives up on it.
      await waitFor(
        async () => {
          for (let i = 0; i < 200 && client.ws.readyState === 1; i++) client.ws.send(frame);
          await new Promise((r) => setTimeout(r, 20));
          return (await rejects(app, 'slow_consumer')) > before;
        },
        30_000,
        'slow consumer dropped',
      );
      await waitFor(() => ![...registry.connections()].some((c) => c.connId === slowConnId), 5000, 'slow socket removed');
      expect((await healthy.request('health')).ok).toBe(true);
    });

    it('drops sockets that stop answering pings (idle cleanup)', async () => {
      const registry = app.app.get(ConnectionRegistry);
      const { client } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      clients.push(client);
      const before = await rejects(app, 'heartbeat_timeout');
      const size = registry.size;
      client.ws.pause(); // no more reading: pings go unanswered
      await waitFor(async () => (await rejects(app, 'heartbeat_timeout')) > before, 10_000, 'heartbeat timeout');
      await waitFor(() => registry.size < size, 5000, 'socket removed');
    });

    it('sends shutdown before a graceful stop and closes with 1012', async () => {
      const { client } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      clients.push(client);
      closed = true;
      await app.close();
      const shutdown = client.events.find((e) => e.event === 'shutdown');
      expect(shutdown?.payload).toMatchObject({ reason: expect.any(String) });
      expect((await client.waitForClose(5000)).code).toBe(1012);
    });
  });
});
