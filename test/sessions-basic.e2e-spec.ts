import { ADMIN, getRun, history, recordEvents, send, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('sessions: a message through echo', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('agent:main:main works from the first boot: >= 2 deltas then exactly one final, transcript persisted', async () => {
    const rec = await recordEvents(app);
    const sent = await send(app, 'agent:main:main', { message: 'hello there operator' });
    expect(sent.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(['running', 'queued']).toContain(sent.status);
    const run = await waitForRun(app, sent.run_id);
    expect(run.status).toBe('succeeded');
    expect(run.usage.total_tokens).toBeGreaterThan(0);
    const chat = rec.chat(sent.run_id);
    rec.stop();
    expect(chat.map((c) => c.seq)).toEqual(chat.map((_, i) => i + 1));
    expect(chat[0]).toMatchObject({ state: 'status', runId: sent.run_id, sessionKey: 'agent:main:main' });
    const deltas = chat.filter((c) => c.state === 'delta');
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(chat.filter((c) => ['final', 'error', 'aborted'].includes(c.state))).toHaveLength(1);
    const final = chat[chat.length - 1];
    expect(final.state).toBe('final');
    expect(final.message).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'Echo: hello there operator' }],
    });
    expect(deltas.map((d) => d.deltaText).join('')).toBe('Echo: hello there operator');
    expect(deltas[deltas.length - 1].message).toBe('Echo: hello there operator');

    const h = await history(app, 'agent:main:main');
    expect(h.messages.map((m: any) => [m.role, m.content])).toEqual([
      ['user', [{ type: 'text', text: 'hello there operator' }]],
      ['assistant', [{ type: 'text', text: 'Echo: hello there operator' }]],
    ]);
    expect(h.total).toBe(2);
    expect(typeof h.messages[0].timestamp).toBe('number');
  });

  it('accepts the key raw, URL-encoded, or as a bare name', async () => {
    await app.http().get('/api/sessions/agent:main:main').set(ADMIN).expect(200);
    await app.http().get('/api/sessions/agent%3Amain%3Amain').set(ADMIN).expect(200);
    const bare = await send(app, 'bare-name', { message: 'hi' });
    await waitForRun(app, bare.run_id);
    const s = await app.http().get('/api/sessions/agent:main:bare-name').set(ADMIN).expect(200);
    expect(s.body).toMatchObject({
      key: 'agent:main:bare-name',
      agent_id: 'main',
      name: 'bare-name',
      message_count: 2,
    });
    expect((await getRun(app, bare.run_id)).session_key).toBe('agent:main:bare-name');
  });
});
