import fc from 'fast-check';
import { ConnectionRegistry } from '../src/modules/gateway/connection/connection-registry';
import { cliConnect, connectedClient, Frame, GatewayTestClient, wsUrl } from './support/gateway-client';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

const ERROR_CODES = ['INVALID_REQUEST', 'NOT_PAIRED', 'FORBIDDEN', 'UNAVAILABLE', 'AGENT_TIMEOUT'];

/** Every frame the server sent is well-formed per the spec. */
function expectWellFormed(frames: Frame[]): void {
  let lastSeq = 0;
  for (const f of frames) {
    if (f.type === 'res') {
      expect(typeof f.id).toBe('string');
      expect(typeof f.ok).toBe('boolean');
      if (!f.ok) {
        expect(ERROR_CODES).toContain(f.error!.code);
        expect(typeof f.error!.message).toBe('string');
      }
    } else {
      expect(f.type).toBe('event');
      expect(typeof f.event).toBe('string');
      expect(f.seq).toBe(lastSeq + 1);
      lastSeq = f.seq!;
    }
  }
}

describe('Gateway bridge: frames and bad input', () => {
  let app: TestApp;
  const clients: GatewayTestClient[] = [];
  const connect = async () => {
    const { client } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
    clients.push(client);
    return client;
  };
  const silence = async (c: GatewayTestClient, before: number) => {
    // A dropped frame gets no answer: prove it by a later request being answered first and alone.
    const res = await c.request('health');
    expect(res.ok).toBe(true);
    const answered = c.frames.slice(before).filter((f) => f.type === 'res');
    expect(answered).toEqual([res]);
  };

  beforeAll(async () => {
    app = await startTestApp({
      env: { GATEWAY_MAX_PAYLOAD_BYTES: '131072', GATEWAY_TICK_INTERVAL_MS: '200', GATEWAY_RATE_LIMIT: '100000/1', GATEWAY_CONNECT_FAILURE_LIMIT: '1000/60' },
    });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => app.close());

  it('drops frames it cannot answer (not JSON, not an object, no id) and keeps the socket', async () => {
    const c = await connect();
    const before = c.frames.length;
    for (const raw of ['not json', '{"type":"req"', '[1,2,3]', '42', '"str"', 'null', '{"type":"req","method":"health"}', '{"id":""}']) {
      c.send(raw);
    }
    await silence(c, before);
    expect(c.closed).toBeUndefined();
  });

  it('answers bad frames that carry an id with INVALID_REQUEST', async () => {
    const c = await connect();
    const unknownType = await c.requestFrame({ type: 'request', id: 'a1', method: 'health' });
    expect(unknownType.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('unknown frame type') });
    const noMethod = await c.requestFrame({ type: 'req', id: 'a2' });
    expect(noMethod.error?.message).toContain('method');
    const emptyMethod = await c.requestFrame({ type: 'req', id: 'a3', method: '' });
    expect(emptyMethod.error?.message).toContain('method');
    const unknown = await c.request('no.such.method');
    expect(unknown.error).toEqual({ code: 'INVALID_REQUEST', message: 'unknown method: no.such.method' });
    const notObject = await c.request('health', [1, 2]);
    expect(notObject.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'invalid health params: params must be an object' });
    const wrongType = await c.request('health', { probe: 'yes' });
    expect(wrongType.error?.message).toBe('invalid health params: probe must be a boolean');
    expect(c.closed).toBeUndefined();
  });

  it('answers a binary frame with an id, drops binary garbage', async () => {
    const c = await connect();
    const before = c.frames.length;
    c.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), true);
    await silence(c, before);
    const waiting = new Promise<Frame>((resolve) => {
      const check = () => {
        const f = c.frames.find((x) => x.id === 'bin1');
        if (f) resolve(f);
        else setTimeout(check, 10);
      };
      check();
    });
    c.send(Buffer.from(JSON.stringify({ type: 'req', id: 'bin1', method: 'health' })), true);
    expect((await waiting).error?.message).toContain('binary frames are not supported');
    expect((await c.request('health')).ok).toBe(true);
  });

  it('refuses deeply nested params without recursing', async () => {
    const c = await connect();
    c.send(`{"type":"req","id":"nested","method":"health","params":${'{"a":'.repeat(5000)}"leaf"${'}'.repeat(5000)}}`);
    const res = await waitFor(() => c.frames.find((f) => f.id === 'nested'), 5000, 'nested answer');
    expect(res!.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('nested deeper') });
    let shallow: unknown = 'leaf';
    for (let i = 0; i < 10; i++) shallow = { a: shallow };
    expect((await c.request('health', shallow)).ok).toBe(true);
    const arr = '['.repeat(20000) + ']'.repeat(20000);
    c.send(`{"type":"req","id":"deep","method":"health","params":${arr}}`);
    const deep = await waitFor(() => c.frames.find((f) => f.id === 'deep'), 5000, 'deep answer');
    expect(deep!.error?.code).toBe('INVALID_REQUEST');
    expect((await c.request('health')).ok).toBe(true);
  });

  it('accepts huge strings up to maxPayload, closes with 1009 beyond it; other sockets are unaffected', async () => {
    const c = await connect();
    const bystander = await connect();
    const big = await c.request('health', { ignored: 'x'.repeat(100_000) });
    expect(big.ok).toBe(true);
    const longMethod = await c.request('m'.repeat(10_000));
    expect(longMethod.error?.code).toBe('INVALID_REQUEST');
    c.send(JSON.stringify({ type: 'req', id: 'huge', method: 'health', params: { s: 'x'.repeat(200_000) } }));
    expect((await c.waitForClose()).code).toBe(1009);
    expect((await bystander.request('health')).ok).toBe(true);
  });

  it('caps frames before connect at 64 KiB (close 1009)', async () => {
    const c = await GatewayTestClient.open(wsUrl(app.baseUrl));
    clients.push(c);
    c.send(JSON.stringify({ type: 'req', id: 'c1', method: 'connect', params: { ...cliConnect(TEST_ADMIN_KEY), pad: 'x'.repeat(70_000) } }));
    expect((await c.waitForClose()).code).toBe(1009);
  });

  it('sends tick events with a per-connection seq counting from the challenge', async () => {
    const c = await connect();
    await waitFor(() => c.events.filter((e) => e.event === 'tick').length >= 2, 5000, 'two ticks');
    const tick = c.events.find((e) => e.event === 'tick')!;
    expect(tick.payload).toEqual({ ts: expect.any(Number) });
    expect(c.events[0]).toMatchObject({ event: 'connect.challenge', seq: 1 });
    expectWellFormed(c.frames);
  });

  it('answers WebSocket pings', async () => {
    const c = await connect();
    const pong = new Promise<Buffer>((resolve) => c.ws.once('pong', resolve));
    c.ws.ping(Buffer.from('hi'));
    expect((await pong).toString()).toBe('hi');
  });

  it('answers many concurrent requests, each matched by id', async () => {
    const c = await connect();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => c.request(i % 2 ? 'health' : 'node.list')));
    results.forEach((r) => expect(r.ok).toBe(true));
    expect(new Set(results.map((r) => r.id)).size).toBe(100);
  });

  it('does not leak connections: sockets that come and go leave the registry as it was', async () => {
    const registry = app.app.get(ConnectionRegistry);
    await waitFor(() => registry.size === 0, 5000, 'earlier sockets gone');
    const baseline = 0;
    const batch = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const c = await GatewayTestClient.open(wsUrl(app.baseUrl));
        if (i % 3 === 0) await c.request('connect', cliConnect(TEST_ADMIN_KEY));
        else if (i % 3 === 1) await c.request('connect', cliConnect('wrong-token'));
        return c;
      }),
    );
    batch.forEach((c) => c.close());
    await waitFor(() => registry.size === baseline, 5000, 'registry back to baseline');
    expect(registry.authenticatedCount).toBe(baseline);
  });

  it('fuzz: any frame leaves the socket open and answerable, with only well-formed frames sent back', async () => {
    const c = await connect();
    const frameArb = fc.oneof(
      fc.string().map((s) => ({ text: s, binary: false })),
      fc.jsonValue().map((v) => ({ text: JSON.stringify(v), binary: false })),
      fc
        .record(
          {
            type: fc.oneof(fc.constant('req'), fc.string()),
            id: fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.constant(null)),
            method: fc.oneof(fc.constantFrom('health', 'node.list', 'connect', 'config.get', 'nope'), fc.string()),
            params: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((o) => ({ text: JSON.stringify(o), binary: false })),
      fc.uint8Array({ maxLength: 64 }).map((b) => ({ text: Buffer.from(b).toString('latin1'), binary: true })),
    );
    await fc.assert(
      fc.asyncProperty(frameArb, async ({ text, binary }) => {
        c.send(binary ? Buffer.from(text, 'latin1') : text, binary);
        const res = await c.request('health');
        return res.ok === true && c.closed === undefined;
      }),
      { numRuns: 300 },
    );
    expectWellFormed(c.frames);
  });
});
