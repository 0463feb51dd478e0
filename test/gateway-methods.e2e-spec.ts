import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { GatewayBroadcaster } from '../src/modules/gateway/gateway.broadcaster';
import { connectedClient, Frame, GatewayTestClient } from './support/gateway-client';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

const TABLE = [
  'health',
  'status',
  'system-presence',
  'chat.send',
  'chat.history',
  'chat.abort',
  'sessions.list',
  'sessions.spawn',
  'sessions.send',
  'sessions.kill',
  'sessions.delete',
  'sessions.patch',
  'sessions.setThinking',
  'sessions.setVerbose',
  'sessions.setReasoning',
  'sessions.setLabel',
  'agents.list',
  'models.list',
  'config.get',
  'node.list',
  'cron.list',
];
const ALIASES = [
  'sessions_send',
  'session_delete',
  'session_setLabel',
  'sessions_kill',
  'sessions_spawn',
  'session_setThinking',
];
const TERMINAL = ['final', 'error', 'aborted'];

function chatEventsOf(c: GatewayTestClient, runId: string): Frame[] {
  return c.events.filter((e) => e.event === 'chat' && e.payload?.runId === runId);
}

async function terminalOf(c: GatewayTestClient, runId: string, timeoutMs = 15_000): Promise<Frame> {
  return c.waitForEvent(
    (e) => e.event === 'chat' && e.payload?.runId === runId && TERMINAL.includes(e.payload.state),
    timeoutMs,
    `terminal chat event of ${runId}`,
  );
}

describe('Gateway bridge: methods and events', () => {
  let app: TestApp;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const clients: GatewayTestClient[] = [];
  const connect = async (token = TEST_ADMIN_KEY, extra: Record<string, unknown> = {}) => {
    const { client, hello } = await connectedClient(app.baseUrl, token, extra);
    clients.push(client);
    return { client, hello };
  };
  const createKey = async (scopes: string[]) =>
    (
      await app
        .http()
        .post('/api/auth/api_keys')
        .set(admin)
        .send({ label: `gw-${scopes.join('-')}`, scopes })
        .expect(201)
    ).body as {
      id: string;
      api_key: string;
    };
  const session = () => `agent:main:gw-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    app = await startTestApp({ env: { GATEWAY_RATE_LIMIT: '100000/1' } });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => app.close());

  it('advertises exactly the implemented methods: the whole table plus the underscore aliases', async () => {
    const { client, hello } = await connect();
    const methods: string[] = hello.payload.features.methods;
    expect(methods).toEqual(expect.arrayContaining([...TABLE, ...ALIASES, 'sessions.subscribe']));
    expect(new Set(methods).size).toBe(methods.length);
    for (const m of methods) {
      const res = await client.request(m, { __probe: true });
      expect(res.error?.message ?? '').not.toMatch(/^unknown method/);
    }
  });

  it('health, status, system-presence, node.list', async () => {
    const { client } = await connect();
    const health = await client.request('health', { probe: true });
    expect(health.payload).toMatchObject({
      ok: true,
      ts: expect.any(Number),
      durationMs: expect.any(Number),
      database: { ok: true },
    });
    const status = await client.request('status');
    expect(status.payload).toMatchObject({
      version: expect.any(String),
      sessions: { count: expect.any(Number), recent: expect.any(Array) },
      runs: { running: expect.any(Number), queued: expect.any(Number) },
      memory: { rss: expect.any(Number), heapUsed: expect.any(Number) },
    });
    const presence = await client.request('system-presence');
    expect(presence.payload).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          mode: 'cli',
          host: 'cli',
          version: '2026.9.1',
          platform: 'linux',
          instanceId: expect.any(String),
          ts: expect.any(Number),
        }),
      ]),
    );
    expect((await client.request('node.list')).payload).toEqual({ ts: expect.any(Number), nodes: [] });
  });

  it('config.get returns the effective configuration with every secret redacted, plus its hash', async () => {
    const { client } = await connect();
    const res = await client.request('config.get');
    expect(res.payload.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.payload.config).toMatchObject({
      PORT: 0,
      MAX_WEBSOCKET_CONNECTIONS: 1000,
      ADMIN_API_KEY: '[redacted]',
    });
    const text = JSON.stringify(res.payload);
    expect(text).not.toContain(TEST_ADMIN_KEY);
    expect(text).not.toContain('test-session-secret');
    expect((await client.request('config.get')).payload.hash).toBe(res.payload.hash);
  });

  it('agents.list and models.list read the agent definitions', async () => {
    const { client } = await connect();
    const agents = await client.request('agents.list');
    expect(agents.payload).toMatchObject({ defaultId: 'main', mainKey: 'main', scope: 'per-sender' });
    expect(agents.payload.agents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'main', name: expect.any(String), model: { primary: 'echo' } }),
      ]),
    );
    const models = await client.request('models.list');
    expect(models.payload.models).toEqual(
      expect.arrayContaining([{ id: 'echo', name: expect.any(String), provider: 'echo' }]),
    );
  });

  it('cron.list lists the scheduled tasks of the organization', async () => {
    const { client } = await connect();
    const created = await app
      .http()
      .post('/api/scheduler/tasks')
      .set(admin)
      .send({
        chat_id: 'agent:main:cron-gw',
        prompt: 'nightly report',
        schedule_type: 'cron',
        schedule_value: '0 3 * * *',
      })
      .expect(201);
    const res = await client.request('cron.list');
    const job = res.payload.jobs.find((j: any) => j.id === created.body.id);
    expect(job).toMatchObject({
      enabled: true,
      schedule: { kind: 'cron', value: '0 3 * * *', tz: 'UTC' },
      sessionKey: 'agent:main:cron-gw',
      state: { nextRunAtMs: expect.any(Number) },
    });
  });

  it('chat.send: response first, then status/deltas in order and exactly one final; same idempotencyKey → same run', async () => {
    const { client } = await connect();
    const key = session();
    const idempotencyKey = randomUUID();
    const res = await client.request('chat.send', {
      sessionKey: key,
      message: 'hello brave new world',
      idempotencyKey,
      deliver: true,
    });
    expect(res.payload).toMatchObject({ runId: expect.any(String), status: 'started' });
    const runId = res.payload.runId;
    const final = await terminalOf(client, runId);
    expect(final.payload).toMatchObject({
      runId,
      sessionKey: key,
      state: 'final',
      message: { role: 'assistant', content: [{ type: 'text', text: 'Echo: hello brave new world' }] },
    });
    const events = chatEventsOf(client, runId);
    const resIndex = client.frames.indexOf(res);
    expect(client.frames.indexOf(events[0])).toBeGreaterThan(resIndex);
    expect(events.map((e) => e.payload.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => TERMINAL.includes(e.payload.state))).toHaveLength(1);
    const deltas = events.filter((e) => e.payload.state === 'delta');
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.map((d) => d.payload.deltaText).join('')).toBe('Echo: hello brave new world');
    expect(events[events.length - 1].payload.state).toBe('final');

    const again = await client.request('chat.send', {
      sessionKey: key,
      message: 'hello brave new world',
      idempotencyKey,
    });
    expect(again.payload.runId).toBe(runId);
    const history = await client.request('chat.history', { sessionKey: key });
    expect(history.payload).toMatchObject({ sessionKey: key, hasMore: false, totalMessages: 2 });
    expect(history.payload.messages.map((m: any) => m.role)).toEqual(['user', 'assistant']);
    expect(history.payload.messages[1].content).toEqual([
      { type: 'text', text: 'Echo: hello brave new world' },
    ]);
  });

  it('chat.send validates params, naming the field', async () => {
    const { client } = await connect();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ message: 'x', idempotencyKey: 'k' }, 'sessionKey'],
      [{ sessionKey: 'main', idempotencyKey: 'k' }, 'message'],
      [{ sessionKey: 'main', message: 42, idempotencyKey: 'k' }, 'message'],
      [{ sessionKey: 'main', message: 'x' }, 'idempotencyKey'],
      [{ sessionKey: 'main', message: 'x', idempotencyKey: 'k', timeoutMs: -5 }, 'timeoutMs'],
      [{ sessionKey: 'main', message: 'x', idempotencyKey: 'k', thinking: 'extreme' }, 'thinking'],
      [{ sessionKey: 'agent:Bad Key', message: 'x', idempotencyKey: 'k' }, 'session key'],
      [{ sessionKey: 'x'.repeat(10_000), message: 'x', idempotencyKey: 'k' }, 'sessionKey'],
    ];
    for (const [params, field] of cases) {
      const res = await client.request('chat.send', params);
      expect(res.error?.code).toBe('INVALID_REQUEST');
      expect(res.error?.message).toContain(field);
    }
  });

  it('chat.error: a failing run ends with one error event', async () => {
    const { client } = await connect();
    const res = await client.request('chat.send', {
      sessionKey: session(),
      message: '/fail provider exploded',
      idempotencyKey: randomUUID(),
    });
    const terminal = await terminalOf(client, res.payload.runId);
    expect(terminal.payload).toMatchObject({
      state: 'error',
      errorMessage: expect.stringContaining('provider exploded'),
    });
  });

  it('chat.abort stops a running run; its one terminal state is aborted', async () => {
    const { client } = await connect();
    const key = session();
    const res = await client.request('chat.send', {
      session_key: key,
      message: '/sleep 20000',
      idempotencyKey: randomUUID(),
    });
    const runId = res.payload.runId;
    await client.waitForEvent(
      (e) => e.event === 'chat' && e.payload?.runId === runId,
      5000,
      'first chat event',
    );
    const aborted = await client.request('chat.abort', { sessionKey: key });
    expect(aborted.payload).toEqual({ ok: true, aborted: true, runIds: [runId] });
    const terminal = await terminalOf(client, runId);
    expect(terminal.payload.state).toBe('aborted');
    await new Promise((r) => setTimeout(r, 200));
    expect(chatEventsOf(client, runId).filter((e) => TERMINAL.includes(e.payload.state))).toHaveLength(1);
  });

  it('sessions.list reports count, totalCount, hasMore and OpenClaw-shaped rows', async () => {
    const { client } = await connect();
    const key = session();
    await client
      .request('sessions.patch', { key, label: 'listed' })
      .then((r) => expect(r.error?.details?.code).toBe('SESSION_NOT_FOUND'));
    const sent = await client.request('chat.send', {
      sessionKey: key,
      message: 'hi',
      idempotencyKey: randomUUID(),
    });
    await terminalOf(client, sent.payload.runId);
    await client.request('sessions.setLabel', { key, label: 'listed' });
    const list = await client.request('sessions.list', { limit: 1000, label: 'listed' });
    expect(list.payload).toMatchObject({
      count: expect.any(Number),
      totalCount: expect.any(Number),
      hasMore: false,
    });
    const row = list.payload.sessions.find((s: any) => s.key === key);
    expect(row).toMatchObject({
      key,
      label: 'listed',
      agentId: 'main',
      updatedAt: expect.any(Number),
      thinkingLevel: null,
      verboseLevel: null,
      reasoningLevel: null,
      parentKey: null,
    });
    const paged = await client.request('sessions.list', { limit: 1 });
    expect(paged.payload.count).toBe(1);
    expect(paged.payload.hasMore).toBe(paged.payload.totalCount > 1);
    expect((await client.request('sessions.list', { limit: 0 })).error?.message).toContain('limit');
    expect((await client.request('sessions.list', { activeMinutes: 'x' })).error?.message).toContain(
      'activeMinutes',
    );
  });

  it('sessions.spawn creates a labelled session, applies model and timeout, and streams its run to the caller', async () => {
    const { client } = await connect();
    const res = await client.request('sessions.spawn', {
      task: 'spawned task',
      label: 'spawned',
      model: 'echo-mini',
      runTimeoutSeconds: 30,
    });
    expect(res.payload).toMatchObject({
      ok: true,
      runId: expect.any(String),
      key: expect.stringMatching(/^agent:main:/),
      label: 'spawned',
    });
    expect(res.payload.sessionKey).toBe(res.payload.key);
    expect(res.payload.sessionId).toEqual(expect.any(String));
    const final = await terminalOf(client, res.payload.runId);
    expect(final.payload.state).toBe('final');
    const list = await client.request('sessions.list', { limit: 1000 });
    expect(list.payload.sessions.find((s: any) => s.key === res.payload.key)).toMatchObject({
      label: 'spawned',
      model: 'echo-mini',
    });
    const viaAlias = await client.request('sessions_spawn', { task: 'again' });
    expect(viaAlias.payload.ok).toBe(true);
    expect((await client.request('sessions.spawn', { label: 'no task' })).error?.message).toContain('task');
    expect(
      (await client.request('sessions.spawn', { task: 'x', runTimeoutSeconds: 0 })).error?.message,
    ).toContain('runTimeoutSeconds');
  });

  it('sessions.send: a message runs like chat.send; control messages are applied', async () => {
    const { client } = await connect();
    const key = session();
    const sent = await client.request('sessions_send', { sessionKey: key, message: 'status summary' });
    expect(sent.payload).toMatchObject({ runId: expect.any(String), status: 'started' });
    expect((await terminalOf(client, sent.payload.runId)).payload.state).toBe('final');

    const thinking = await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'setThinking', level: 'high' },
    });
    expect(thinking.payload).toMatchObject({ ok: true, applied: true, action: 'setThinking' });
    const label = await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'setLabel', label: 'ctl' },
    });
    expect(label.payload.settings).toEqual({
      label: 'ctl',
      thinkingLevel: 'high',
      verboseLevel: null,
      reasoningLevel: null,
    });
    await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'setVerbose', value: 'on' },
    });
    await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'setReasoning', level: 'stream' },
    });
    const list = await client.request('sessions.list', { limit: 1000 });
    expect(list.payload.sessions.find((s: any) => s.key === key)).toMatchObject({
      label: 'ctl',
      thinkingLevel: 'high',
      verboseLevel: 'on',
      reasoningLevel: 'stream',
    });

    const slow = await client.request('sessions.send', { key, message: '/sleep 20000' });
    await client.waitForEvent(
      (e) => e.event === 'chat' && e.payload?.runId === slow.payload.runId,
      5000,
      'slow run started',
    );
    const abort = await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'abort' },
    });
    expect(abort.payload).toMatchObject({ ok: true, applied: true, action: 'abort', aborted: true });
    expect((await terminalOf(client, slow.payload.runId)).payload.state).toBe('aborted');

    const bad = await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'reboot' },
    });
    expect(bad.error?.message).toContain('message.action');
    const badType = await client.request('sessions.send', { key, message: { type: 'text' } });
    expect(badType.error?.message).toContain('message');
    const badLevel = await client.request('sessions.send', {
      key,
      message: { type: 'control', action: 'setThinking', level: 'galaxy' },
    });
    expect(badLevel.error?.message).toContain('message.level');
  });

  it('sessions.set* change only their field; null clears; bad values name the param', async () => {
    const { client } = await connect();
    const key = session();
    const sent = await client.request('chat.send', {
      sessionKey: key,
      message: 'hi',
      idempotencyKey: randomUUID(),
    });
    await terminalOf(client, sent.payload.runId);
    const t = await client.request('session_setThinking', { key, level: 'low' });
    expect(t.payload).toEqual({
      ok: true,
      key,
      applied: true,
      settings: { label: null, thinkingLevel: 'low', verboseLevel: null, reasoningLevel: null },
    });
    const l = await client.request('session_setLabel', { session_key: key, label: 'mine' });
    expect(l.payload.settings).toEqual({
      label: 'mine',
      thinkingLevel: 'low',
      verboseLevel: null,
      reasoningLevel: null,
    });
    const v = await client.request('sessions.setVerbose', { key, value: 'full' });
    expect(v.payload.settings.verboseLevel).toBe('full');
    const r = await client.request('sessions.setReasoning', { key, level: 'on' });
    expect(r.payload.settings).toEqual({
      label: 'mine',
      thinkingLevel: 'low',
      verboseLevel: 'full',
      reasoningLevel: 'on',
    });
    const cleared = await client.request('sessions.setThinking', { key, level: null });
    expect(cleared.payload.settings.thinkingLevel).toBeNull();
    expect((await client.request('sessions.setVerbose', { key, level: 'loud' })).error?.message).toContain(
      'level',
    );
    expect((await client.request('sessions.setLabel', { key })).error?.message).toContain('label');
    expect((await client.request('sessions.setLabel', { key, label: 7 })).error?.message).toContain('label');
  });

  it('sessions.patch sets and clears fields and returns the entry', async () => {
    const { client } = await connect();
    const key = session();
    const sent = await client.request('chat.send', {
      sessionKey: key,
      message: 'hi',
      idempotencyKey: randomUUID(),
    });
    await terminalOf(client, sent.payload.runId);
    const patched = await client.request('sessions.patch', {
      key,
      label: 'p',
      thinkingLevel: 'medium',
      model: 'm1',
    });
    expect(patched.payload).toMatchObject({
      ok: true,
      key,
      entry: { key, label: 'p', thinkingLevel: 'medium', model: 'm1' },
    });
    const cleared = await client.request('sessions.patch', { key, label: null, model: null });
    expect(cleared.payload.entry).toMatchObject({ label: null, model: null, thinkingLevel: 'medium' });
    expect((await client.request('sessions.patch', { key })).error?.message).toContain('nothing to change');
    expect(
      (await client.request('sessions.patch', { key, reasoningLevel: 'always' })).error?.message,
    ).toContain('reasoningLevel');
  });

  it('sessions.kill and sessions.delete (no cascade to children)', async () => {
    const { client } = await connect();
    const key = session();
    const run = await client.request('chat.send', {
      sessionKey: key,
      message: '/sleep 20000',
      idempotencyKey: randomUUID(),
    });
    await client.waitForEvent(
      (e) => e.event === 'chat' && e.payload?.runId === run.payload.runId,
      5000,
      'run started',
    );
    const killed = await client.request('sessions_kill', { key });
    expect(killed.payload).toMatchObject({ ok: true, key, terminated: true, activeAborted: 1 });
    const child = (
      await app.http().post('/api/sessions/fork').set(admin).send({ source_session_key: key }).expect(201)
    ).body.key as string;
    const deleted = await client.request('session_delete', { key });
    expect(deleted.payload).toEqual({ ok: true, key, deleted: true });
    const list = await client.request('sessions.list', { limit: 1000 });
    expect(list.payload.sessions.find((s: any) => s.key === child)).toMatchObject({ parentKey: key });
    expect(list.payload.sessions.find((s: any) => s.key === key)).toBeUndefined();
    const missing = await client.request('sessions.delete', { key: session() });
    expect(missing.error).toMatchObject({ code: 'INVALID_REQUEST', details: { code: 'SESSION_NOT_FOUND' } });
  });

  it('denies methods beyond the granted scopes with FORBIDDEN / MISSING_SCOPE', async () => {
    const reader = await createKey(['operator.read']);
    const { client } = await connect(reader.api_key);
    const denied = await client.request('chat.send', {
      sessionKey: 'main',
      message: 'x',
      idempotencyKey: 'k',
    });
    expect(denied.error).toEqual({
      code: 'FORBIDDEN',
      message: 'missing scope: operator.write',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.write', requiredScopes: ['operator.write'] },
    });
    for (const m of [
      'sessions.send',
      'sessions.spawn',
      'sessions.patch',
      'sessions.kill',
      'sessions.setLabel',
      'chat.abort',
    ]) {
      expect((await client.request(m, { key: 'main' })).error?.details?.missingScope).toBe('operator.write');
    }
    expect((await client.request('health')).ok).toBe(true);
    const writer = await createKey(['operator.write']);
    const { client: w } = await connect(writer.api_key);
    const del = await w.request('sessions.delete', { key: 'main' });
    expect(del.error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'missing scope: operator.approvals',
      details: { missingScope: 'operator.approvals' },
    });
    const { client: narrowed } = await connect(TEST_ADMIN_KEY, { scopes: ['operator.read'] });
    expect((await narrowed.request('chat.abort', { sessionKey: 'main' })).error?.code).toBe('FORBIDDEN');
  });

  it('sessions.subscribe delivers every run of the organization, including ones other sockets start', async () => {
    const { client: starter } = await connect();
    const { client: watcher } = await connect();
    const { client: bystander } = await connect();
    expect((await watcher.request('sessions.subscribe')).payload).toEqual({ ok: true, subscribed: true });
    const res = await starter.request('chat.send', {
      sessionKey: session(),
      message: 'watch me',
      idempotencyKey: randomUUID(),
    });
    const runId = res.payload.runId;
    await terminalOf(watcher, runId);
    await terminalOf(starter, runId);
    expect(chatEventsOf(watcher, runId).map((e) => e.payload.seq)).toEqual(
      chatEventsOf(starter, runId).map((e) => e.payload.seq),
    );
    expect(chatEventsOf(bystander, runId)).toHaveLength(0);
  });

  it('keeps organizations apart: another organization sees none of these runs, sessions or presence', async () => {
    const org = (
      await app
        .http()
        .post('/api/orgs')
        .set(admin)
        .send({ slug: `gw-${randomUUID().slice(0, 6)}`, name: 'Other' })
        .expect(201)
    ).body;
    const { client: other } = await connect(org.admin_api_key.api_key);
    await other.request('sessions.subscribe');
    const { client: mine } = await connect();
    const key = session();
    const res = await mine.request('chat.send', {
      sessionKey: key,
      message: 'private',
      idempotencyKey: randomUUID(),
    });
    await terminalOf(mine, res.payload.runId);
    expect(other.events.filter((e) => e.event === 'chat')).toHaveLength(0);
    const presence = await other.request('system-presence');
    expect(presence.payload.filter((p: any) => p.mode === 'cli')).toHaveLength(1);
    const list = await other.request('sessions.list', { limit: 1000 });
    expect(list.payload.sessions.find((s: any) => s.key === key)).toBeUndefined();
    expect((await other.request('chat.history', { sessionKey: key })).error?.details?.code).toBe(
      'SESSION_NOT_FOUND',
    );
    expect(
      (await other.request('chat.abort', { sessionKey: key, runId: res.payload.runId })).payload?.aborted ??
        false,
    ).toBe(false);
  });

  it('sends presence when clients come and go, and sessions.changed to readers', async () => {
    const { client: watcher } = await connect();
    const before = watcher.events.filter((e) => e.event === 'presence').length;
    const { client: other } = await connect(TEST_ADMIN_KEY, {
      client: { id: 'dash', version: '1', platform: 'web', mode: 'ui', displayName: 'Dashboard' },
    });
    const joined = await watcher.waitForEvent(
      (e) => e.event === 'presence' && e.payload.presence.some((p: any) => p.host === 'Dashboard'),
      5000,
      'presence with the dashboard',
    );
    expect(joined.stateVersion).toEqual({ presence: expect.any(Number), health: expect.any(Number) });
    other.close();
    await waitFor(
      () => watcher.events.filter((e) => e.event === 'presence').length >= before + 2,
      5000,
      'presence after leave',
    );
    const last = watcher.events.filter((e) => e.event === 'presence').pop()!;
    expect(last.payload.presence.some((p: any) => p.host === 'Dashboard')).toBe(false);
    expect(last.stateVersion!.presence).toBeGreaterThan(joined.stateVersion!.presence);

    const key = session();
    const sent = await watcher.request('chat.send', {
      sessionKey: key,
      message: 'hi',
      idempotencyKey: randomUUID(),
    });
    await terminalOf(watcher, sent.payload.runId);
    await watcher.request('sessions.setLabel', { key, label: 'changed' });
    await watcher.waitForEvent(
      (e) => e.event === 'sessions.changed' && e.payload.sessionKey === key,
      5000,
      'sessions.changed',
    );
  });

  it('sends health events with a bumped stateVersion.health to readers', async () => {
    const { client } = await connect();
    const before = client.events.length;
    app.app.get(GatewayBroadcaster).healthChanged({ ok: false, status: 'degraded' });
    const event = await client.waitForEvent((e) => e.event === 'health' && client.events.indexOf(e) >= before, 5000, 'health event');
    expect(event.payload).toEqual({ ok: false, status: 'degraded' });
    expect(event.stateVersion!.health).toBeGreaterThan(1);
  });

  it('refuses mutating methods during an emergency lockdown, reads still work', async () => {
    const { client } = await connect();
    await app
      .http()
      .post('/api/admin/lockdown')
      .set(admin)
      .send({ reason: 'gateway test' })
      .expect((r) => expect([200, 201]).toContain(r.status));
    try {
      const res = await waitFor(
        async () => {
          const r = await client.request('chat.send', {
            sessionKey: session(),
            message: 'x',
            idempotencyKey: randomUUID(),
          });
          return r.error ? r : undefined;
        },
        5000,
        'lockdown refusal',
      );
      expect(res!.error).toMatchObject({
        code: 'UNAVAILABLE',
        retryable: true,
        details: { code: 'LOCKDOWN' },
      });
      expect((await client.request('sessions.list')).ok).toBe(true);
    } finally {
      await app.http().delete('/api/admin/lockdown').set(admin).expect(200);
    }
  });

  it('closes sockets whose key is revoked or rotated within a second; others stay', async () => {
    const a = await createKey(['operator.write']);
    const b = await createKey(['operator.write']);
    const { client: ca } = await connect(a.api_key);
    const { client: cb } = await connect(b.api_key);
    const { client: keep } = await connect();
    const started = Date.now();
    await app.http().delete(`/api/auth/api_keys/${a.id}`).set(admin).expect(200);
    expect((await ca.waitForClose(2000)).code).toBe(1008);
    expect(Date.now() - started).toBeLessThan(1500);
    // The key had just authenticated (and was cached): it must not work again.
    const retry = await GatewayTestClient.open(app.baseUrl.replace('http', 'ws') + '/');
    clients.push(retry);
    const refused = await retry.request('connect', { minProtocol: 4, maxProtocol: 4, client: { id: 'cli', mode: 'cli' }, auth: { token: a.api_key } });
    expect(refused.error?.details?.code).toBe('AUTH_TOKEN_MISMATCH');
    await app.http().post(`/api/auth/api_keys/${b.id}/rotate`).set(admin).expect(201);
    expect((await cb.waitForClose(2000)).code).toBe(1008);
    expect((await keep.request('health')).ok).toBe(true);
  });

  it('closes the sockets of an organization that gets locked', async () => {
    const org = (
      await app
        .http()
        .post('/api/orgs')
        .set(admin)
        .send({ slug: `lk-${randomUUID().slice(0, 6)}`, name: 'Locked' })
        .expect(201)
    ).body;
    const { client } = await connect(org.admin_api_key.api_key);
    await app.http().post(`/api/orgs/${org.id}/lock`).set(admin).send({ reason: 'test' }).expect(201);
    expect(await client.waitForClose(2000)).toMatchObject({ code: 1008 });
    const again = await GatewayTestClient.open(app.baseUrl.replace('http', 'ws') + '/');
    clients.push(again);
    const res = await again.request('connect', {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'cli', mode: 'cli' },
      auth: { token: org.admin_api_key.api_key },
    });
    expect(res.error?.details?.code).toBe('ORG_LOCKED');
  });

  it('fuzz: every method answers any params with a well-formed response and the socket stays usable', async () => {
    const { client, hello } = await connect();
    const methods: string[] = hello.payload.features.methods;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(
            fc.constantFrom(
              'key',
              'sessionKey',
              'message',
              'label',
              'level',
              'limit',
              'task',
              'idempotencyKey',
              'probe',
              'runId',
              'cursor',
              'model',
              'value',
              'thinkingLevel',
            ),
            fc.jsonValue(),
          ),
        ),
        async (method, params) => {
          const res = await client.request(method, params);
          if (typeof res.ok !== 'boolean') return false;
          if (!res.ok) {
            if (!['INVALID_REQUEST', 'FORBIDDEN', 'UNAVAILABLE', 'AGENT_TIMEOUT'].includes(res.error!.code))
              return false;
            if (typeof res.error!.message !== 'string') return false;
            if (res.error!.details?.code === 'INTERNAL') return false;
          }
          return client.closed === undefined;
        },
      ),
      { numRuns: 400 },
    );
    expect((await client.request('health')).ok).toBe(true);
  });
});
