import { DataSource } from 'typeorm';
import { ADMIN, send, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('agents API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('the built-in echo agent main exists from the first boot and cannot be deleted', async () => {
    const list = await app.http().get('/api/agents').set(ADMIN).expect(200);
    expect(list.body.items[0]).toMatchObject({
      id: 'main',
      built_in: true,
      provider: { type: 'echo', has_api_key: false },
      tools: [],
    });
    const del = await app.http().delete('/api/agents/main').set(ADMIN).expect(409);
    expect(del.body.code).toBe('AGENT_BUILTIN');
  });

  it('creates, reads, updates and deletes an agent; api_key is write-only and stored sealed', async () => {
    const literal = 'sk-live-abcdefghijklmnopqrstuvwxyz';
    const created = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({
        id: 'support',
        name: 'Support',
        system_prompt: 'Be kind.',
        provider: { type: 'openai', base_url: 'https://llm.example.com/v1/', model: 'm-1', api_key: literal },
        tools: ['mcp.github.*', 'schedule_task'],
        run_timeout_secs: 120,
      })
      .expect(201);
    expect(created.body).toMatchObject({
      id: 'support',
      name: 'Support',
      system_prompt: 'Be kind.',
      provider: { type: 'openai', base_url: 'https://llm.example.com/v1', model: 'm-1', has_api_key: true },
      tools: ['mcp.github.*', 'schedule_task'],
      run_timeout_secs: 120,
      built_in: false,
    });
    expect(JSON.stringify(created.body)).not.toContain(literal);
    const stored = await app.app.get(DataSource).query(`SELECT provider FROM agents WHERE id = 'support'`);
    expect(JSON.stringify(stored)).not.toContain(literal);
    expect(stored[0].provider.apiKey).toMatch(/^sealed:/);

    const patched = await app
      .http()
      .patch('/api/agents/support')
      .set(ADMIN)
      .send({ name: 'Support 2', run_timeout_secs: null, provider: { type: 'openai', model: 'm-2' } })
      .expect(200);
    expect(patched.body).toMatchObject({
      name: 'Support 2',
      run_timeout_secs: null,
      provider: { model: 'm-2', has_api_key: true, base_url: null },
    });
    const ref = await app
      .http()
      .patch('/api/agents/support')
      .set(ADMIN)
      .send({ provider: { type: 'openai', api_key: 'secret:openai' } })
      .expect(200);
    expect(ref.body.provider.has_api_key).toBe(true);
    expect(
      (await app.app.get(DataSource).query(`SELECT provider FROM agents WHERE id = 'support'`))[0].provider
        .apiKey,
    ).toBe('secret:openai');

    await app.http().get('/api/agents/support').set(ADMIN).expect(200);
    await app.http().delete('/api/agents/support').set(ADMIN).expect(200, { deleted: true });
    const gone = await app.http().get('/api/agents/support').set(ADMIN).expect(404);
    expect(gone.body.code).toBe('AGENT_NOT_FOUND');
    await app.http().delete('/api/agents/support').set(ADMIN).expect(404);
  });

  it('rejects bad input with 4xx naming the problem', async () => {
    const dup = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'main', name: 'x', provider: { type: 'echo' } })
      .expect(409);
    expect(dup.body.code).toBe('AGENT_EXISTS');
    const badId = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'Bad Id', name: 'x', provider: { type: 'echo' } })
      .expect(400);
    expect(badId.body.detail).toContain('id must be');
    const badType = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x', provider: { type: 'claude' } })
      .expect(400);
    expect(badType.body.detail).toContain('type must be one of: echo, openai');
    const noProvider = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x' })
      .expect(400);
    expect(noProvider.body.detail).toContain('provider');
    const extra = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x', provider: { type: 'echo', colour: 'red' } })
      .expect(400);
    expect(extra.body.detail).toContain('colour');
    const badUrl = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x', provider: { type: 'openai', base_url: 'ftp://x' } })
      .expect(400);
    expect(badUrl.body.detail).toContain('base_url');
    const echoKey = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x', provider: { type: 'echo', api_key: 'k' } })
      .expect(422);
    expect(echoKey.body.code).toBe('INVALID_PROVIDER');
    const badTools = await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x', provider: { type: 'echo' }, tools: ['bad tool!'] })
      .expect(400);
    expect(badTools.body.detail).toContain('tool');
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'x', name: 'x', provider: { type: 'echo' }, run_timeout_secs: 0 })
      .expect(400);
    await app.http().patch('/api/agents/ghost').set(ADMIN).send({ name: 'y' }).expect(404);
  });

  it('deleting an agent keeps its sessions; sending to them answers 409 AGENT_DELETED', async () => {
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'temp', name: 'Temp', provider: { type: 'echo' } })
      .expect(201);
    const r = await send(app, 'agent:temp:s1', { message: 'hi' });
    await waitForRun(app, r.run_id);
    await app.http().delete('/api/agents/temp').set(ADMIN).expect(200);
    const session = await app.http().get('/api/sessions/agent:temp:s1').set(ADMIN).expect(200);
    expect(session.body).toMatchObject({ agent_id: 'temp', agent_exists: false, message_count: 2 });
    const res = await app
      .http()
      .post('/api/sessions/agent:temp:s1/messages')
      .set(ADMIN)
      .send({ message: 'again' })
      .expect(409);
    expect(res.body.code).toBe('AGENT_DELETED');
    expect(res.body.detail).toContain("agent 'temp', which was deleted");
    await app.http().get('/api/sessions/agent:temp:s1/history').set(ADMIN).expect(200);
    // Recreating the agent brings the session back to life.
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'temp', name: 'Temp', provider: { type: 'echo' } })
      .expect(201);
    const again = await send(app, 'agent:temp:s1', { message: 'back' });
    expect((await waitForRun(app, again.run_id)).status).toBe('succeeded');
  });

  it('needs operator.write to change agents; operator.read can list', async () => {
    const reader = await app
      .http()
      .post('/api/auth/api_keys')
      .set(ADMIN)
      .send({ label: 'r', scopes: ['operator.read'] })
      .expect(201);
    const auth = { Authorization: `Bearer ${reader.body.api_key}` };
    await app.http().get('/api/agents').set(auth).expect(200);
    await app
      .http()
      .post('/api/agents')
      .set(auth)
      .send({ id: 'y', name: 'y', provider: { type: 'echo' } })
      .expect(403);
    await app.http().get('/api/agents').expect(401);
  });

  it('organizations are isolated: each has its own main agent, sessions and runs; others answer 404', async () => {
    const org = await app
      .http()
      .post('/api/orgs')
      .set(ADMIN)
      .send({ slug: 'acme', name: 'Acme' })
      .expect(201);
    const acme = { Authorization: `Bearer ${org.body.admin_api_key.api_key}` };
    const mine = await send(app, 'agent:main:private', { message: 'default org only' });
    await waitForRun(app, mine.run_id);
    const agents = await app.http().get('/api/agents').set(acme).expect(200);
    expect(agents.body.items.map((a: any) => a.id)).toEqual(['main']);
    await app.http().get('/api/sessions/agent:main:private').set(acme).expect(404);
    await app.http().get(`/api/runs/${mine.run_id}`).set(acme).expect(404);
    await app.http().get('/api/agents/temp').set(acme).expect(404);
    const theirs = await app
      .http()
      .post('/api/sessions/agent:main:private/messages')
      .set(acme)
      .send({ message: 'acme too' })
      .expect(202);
    await app.http().get(`/api/runs/${theirs.body.run_id}`).set(ADMIN).expect(404);
    const list = await app.http().get('/api/sessions').set(acme).expect(200);
    expect(list.body.items.map((x: any) => x.key)).toEqual(['agent:main:private']);
  });
});
