import { Writable } from 'node:stream';
import { ToolRegistry } from '../src/modules/runtime/tools/tool-registry';
import { FakeOpenAi } from './support/fake-openai';
import { ADMIN, history, recordEvents, send, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'sk-test-SECRETVALUE1234567890';

describe('openai provider against a local OpenAI-compatible server', () => {
  let app: TestApp;
  let fake: FakeOpenAi;
  let logs = '';

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    app = await startTestApp({
      env: {
        PROVIDER_MAX_RETRIES: '2',
        PROVIDER_RETRY_BASE_MS: '50',
        PROVIDER_IDLE_TIMEOUT_MS: '700',
        LOG_LEVEL: 'debug',
      },
      logStream: new Writable({
        write(chunk, _encoding, done) {
          logs += String(chunk);
          done();
        },
      }),
    });
    app.app.get(ToolRegistry).register({
      name: 'test.add',
      description: 'Adds two numbers',
      inputSchema: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
      execute: async (args) => ({ content: `sum=${Number(args.a) + Number(args.b)}` }),
    });
    const created = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({
        id: 'gpt',
        name: 'GPT',
        provider: { type: 'openai', base_url: fake.baseUrl, model: 'fake-1', api_key: KEY },
        tools: ['test.*'],
      })
      .expect(201);
    expect(created.body.provider).toEqual({
      type: 'openai',
      base_url: fake.baseUrl,
      model: 'fake-1',
      has_api_key: true,
    });
    expect(JSON.stringify(created.body)).not.toContain(KEY);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
    await fake.stop();
  });

  it('streams a normal reply with usage; the key goes only in the Authorization header', async () => {
    const rec = await recordEvents(app);
    const r = await send(app, 'agent:gpt:normal', { message: 'normal hello' });
    const run = await waitForRun(app, r.run_id);
    expect(run).toMatchObject({
      status: 'succeeded',
      usage: { input_tokens: 11, output_tokens: 3, total_tokens: 14 },
    });
    const chat = rec.chat(r.run_id);
    rec.stop();
    expect(chat.filter((c) => c.state === 'delta').map((c) => c.deltaText)).toEqual(['Hello', ', operator']);
    expect(chat.pop()).toMatchObject({
      state: 'final',
      stopReason: 'stop',
      message: { role: 'assistant', content: [{ type: 'text', text: 'Hello, operator' }] },
    });
    const req = fake.requestsFor('normal')[0];
    expect(req.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({
      model: 'fake-1',
      stream: true,
      messages: [{ role: 'user', content: 'normal hello' }],
    });
    expect(req.body.tools[0].function.name).toBe('test_add');
    expect(req.body.reasoning_effort).toBeUndefined();
  });

  it('passes the session thinking level as reasoning_effort', async () => {
    await app.http().post('/api/sessions').set(ADMIN).send({ agent_id: 'gpt', name: 'thinker' }).expect(201);
    await app
      .http()
      .patch('/api/sessions/agent:gpt:thinker')
      .set(ADMIN)
      .send({ thinking_level: 'xhigh' })
      .expect(200);
    const r = await send(app, 'agent:gpt:thinker', { message: 'normal think' });
    await waitForRun(app, r.run_id);
    expect(fake.requestsFor('normal').pop()!.body.reasoning_effort).toBe('high');
    const r2 = await send(app, 'agent:gpt:thinker', { message: 'normal think', thinking: 'low' });
    await waitForRun(app, r2.run_id);
    expect(fake.requestsFor('normal').pop()!.body.reasoning_effort).toBe('low');
  });

  it('runs the tool loop: tool call -> registry -> result fed back fenced -> final answer', async () => {
    const rec = await recordEvents(app);
    const r = await send(app, 'agent:gpt:tools', { message: 'tool please add' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('succeeded');
    const reqs = fake.requestsFor('tool');
    expect(reqs).toHaveLength(2);
    const msgs = reqs[1].body.messages;
    expect(msgs[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'test_add', arguments: '{"a":2,"b":3}' } },
      ],
    });
    expect(msgs[2].role).toBe('tool');
    expect(msgs[2].tool_call_id).toBe('call_a');
    expect(msgs[2].content).toMatch(
      /^<<<EXTERNAL_DATA source=tool:test\.add .*>>>\nsum=5\n<<<END_EXTERNAL_DATA>>>$/,
    );
    expect(rec.chat(r.run_id).pop().message.content[0].text).toBe('the tool said: sum=5');
    expect(rec.agent(r.run_id).map((a) => [a.data.phase, a.data.name])).toEqual([
      ['start', 'test.add'],
      ['result', 'test.add'],
    ]);
    rec.stop();
    const h = await history(app, 'agent:gpt:tools');
    expect(h.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    const t0 = Date.now();
    const r = await send(app, 'agent:gpt:limited', { message: '429 please' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('succeeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(fake.requestsFor('429')).toHaveLength(2);
  });

  it('500 after the retries: failed with the provider error summarized; the session keeps working', async () => {
    const r = await send(app, 'agent:gpt:broken', { message: '500 please' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('provider answered HTTP 500 after 2 retries: the model is on fire');
    expect(fake.requestsFor('500')).toHaveLength(3);
    const ok = await send(app, 'agent:gpt:broken', { message: 'normal again' });
    expect((await waitForRun(app, ok.run_id)).status).toBe('succeeded');
  });

  it('a stalled stream fails the run as stalled (idle timeout), keeping the partial text', async () => {
    const rec = await recordEvents(app);
    const r = await send(app, 'agent:gpt:stall', { message: 'stall now' });
    const run = await waitForRun(app, r.run_id);
    expect(run).toMatchObject({ status: 'failed', error: 'provider stream stalled: no data for 700 ms' });
    expect(rec.chat(r.run_id).pop()).toMatchObject({ state: 'error', errorKind: 'provider_timeout' });
    rec.stop();
    const h = await history(app, 'agent:gpt:stall');
    expect(h.messages[1].content[0]).toMatchObject({ text: 'I will now ', partial: true });
  });

  it('a malformed chunk fails the run with a clear error', async () => {
    const r = await send(app, 'agent:gpt:bad', { message: 'malformed now' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^malformed stream chunk from provider: \{"choices": \[oops/);
    const t = await send(app, 'agent:gpt:bad', { message: 'truncated now' });
    expect((await waitForRun(app, t.run_id)).error).toBe(
      'provider stream ended before the reply was complete',
    );
  });

  it('abort stops an openai stream promptly', async () => {
    const r = await send(app, 'agent:gpt:abortme', { message: 'stall forever', timeout_secs: 60 });
    await waitForRun(app, r.run_id, ['running']);
    await app
      .http()
      .post('/api/sessions/agent:gpt:abortme/abort')
      .set(ADMIN)
      .send({ run_id: r.run_id })
      .expect(200);
    expect((await waitForRun(app, r.run_id, undefined, 2000)).status).toBe('aborted');
  });

  it('never shows the API key: not in errors, responses or logs', async () => {
    const r = await send(app, 'agent:gpt:auth', { message: '401 please' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('HTTP 401 (check the agent API key)');
    expect(run.error).not.toContain(KEY);
    expect(run.error).toContain('[redacted]');
    const agent = await app.http().get('/api/agents/gpt').set(ADMIN).expect(200);
    expect(JSON.stringify(agent.body)).not.toContain(KEY);
    const h = await history(app, 'agent:gpt:auth');
    expect(JSON.stringify(h)).not.toContain(KEY);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(KEY);
  });

  it('a missing secret reference fails the run naming the problem, not a crash', async () => {
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({
        id: 'noref',
        name: 'NoRef',
        provider: { type: 'openai', base_url: fake.baseUrl, api_key: 'secret:does-not-exist' },
      })
      .expect(201);
    const r = await send(app, 'agent:noref:x', { message: 'normal hello' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^cannot read the agent's API key: .*does-not-exist/);
  });

  it('an unreachable endpoint fails the run with a network error after the retries', async () => {
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({
        id: 'nowhere',
        name: 'Nowhere',
        provider: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
      })
      .expect(201);
    const r = await send(app, 'agent:nowhere:x', { message: 'hello' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^cannot reach the provider at http:\/\/127\.0\.0\.1:9\/v1: /);
  });
});
