import { ADMIN, history, send, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('sessions: spawn, fork, tree, delete, settings, list', () => {
  let app: TestApp;
  let writer: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp();
    const key = await app
      .http()
      .post('/api/auth/api_keys')
      .set(ADMIN)
      .send({ label: 'w', scopes: ['operator.write'] })
      .expect(201);
    writer = { Authorization: `Bearer ${key.body.api_key}` };
  });
  afterAll(() => app.close());

  async function converse(key: string, ...messages: string[]) {
    for (const message of messages) await waitForRun(app, (await send(app, key, { message })).run_id);
  }

  it('spawn creates a session with a label; with a task a run starts; runtime acp is disabled', async () => {
    const plain = await app
      .http()
      .post('/api/sessions')
      .set(ADMIN)
      .send({ name: 'spawned', label: 'Triage' })
      .expect(201);
    expect(plain.body).toMatchObject({ key: 'agent:main:spawned', label: 'Triage', message_count: 0 });
    expect(plain.body.run_id).toBeUndefined();
    const dup = await app.http().post('/api/sessions').set(ADMIN).send({ name: 'spawned' }).expect(409);
    expect(dup.body.code).toBe('SESSION_EXISTS');
    const withTask = await app
      .http()
      .post('/api/sessions')
      .set(ADMIN)
      .send({ task: 'summarize', model: 'm-x', run_timeout_secs: 30 })
      .expect(201);
    expect(withTask.body.key).toMatch(/^agent:main:spawn-[0-9a-f]{8}$/);
    expect(withTask.body.model).toBe('m-x');
    const run = await waitForRun(app, withTask.body.run_id);
    expect(run).toMatchObject({ status: 'succeeded', source: 'spawn', timeout_ms: 30000 });
    const acp = await app
      .http()
      .post('/api/sessions')
      .set(ADMIN)
      .send({ task: 'x', runtime: 'acp' })
      .expect(400);
    expect(acp.body.detail).toContain('ACP runtime is disabled');
    const other = await app.http().post('/api/sessions').set(ADMIN).send({ runtime: 'docker' }).expect(400);
    expect(other.body.code).toBe('UNKNOWN_RUNTIME');
    const noAgent = await app.http().post('/api/sessions').set(ADMIN).send({ agent_id: 'ghost' }).expect(404);
    expect(noAgent.body.code).toBe('AGENT_NOT_FOUND');
  });

  it('patch persists label and levels, changes only given fields, null clears; invalid levels are 422 listing allowed values', async () => {
    const key = 'agent:main:settings';
    await app.http().post('/api/sessions').set(ADMIN).send({ name: 'settings', label: 'L1' }).expect(201);
    const a = await app
      .http()
      .patch(`/api/sessions/${key}`)
      .set(ADMIN)
      .send({ thinking_level: 'high', verbose_level: 'on' })
      .expect(200);
    expect(a.body).toMatchObject({
      label: 'L1',
      thinking_level: 'high',
      verbose_level: 'on',
      reasoning_level: null,
    });
    const b = await app
      .http()
      .patch(`/api/sessions/${key}`)
      .set(ADMIN)
      .send({ reasoning_level: 'stream', label: null })
      .expect(200);
    expect(b.body).toMatchObject({
      label: null,
      thinking_level: 'high',
      verbose_level: 'on',
      reasoning_level: 'stream',
    });
    for (const [field, value, allowed] of [
      ['thinking_level', 'max', 'off, minimal, low, medium, high, xhigh'],
      ['verbose_level', 'loud', 'off, on, full'],
      ['reasoning_level', 7, 'off, on, stream'],
    ] as const) {
      const res = await app
        .http()
        .patch(`/api/sessions/${key}`)
        .set(ADMIN)
        .send({ [field]: value })
        .expect(422);
      expect(res.body.code).toBe('INVALID_LEVEL');
      expect(res.body.detail).toContain(allowed);
      expect(res.body.allowed).toEqual(allowed.split(', '));
    }
    // The levels are used by the runtime: the echo /levels directive reports what the provider received.
    const run = await send(app, key, { message: '/levels' });
    await waitForRun(app, run.run_id);
    const h = await history(app, key);
    expect(h.messages[1].content[0].text).toBe('thinking=high reasoning=stream');
    await app.http().patch('/api/sessions/agent:main:nope').set(ADMIN).send({ label: 'x' }).expect(404);
    const extra = await app
      .http()
      .patch(`/api/sessions/${key}`)
      .set(ADMIN)
      .send({ colour: 'red' })
      .expect(400);
    expect(extra.body.detail).toContain('colour');
  });

  it('fork copies the transcript up to the fork point and the settings; needs operator.approvals', async () => {
    const src = 'agent:main:origin';
    await converse(src, 'one', 'two');
    await app
      .http()
      .patch(`/api/sessions/${src}`)
      .set(ADMIN)
      .send({ label: 'Origin', thinking_level: 'low' })
      .expect(200);
    const denied = await app
      .http()
      .post('/api/sessions/fork')
      .set(writer)
      .send({ source_session_key: src })
      .expect(403);
    expect(denied.body.detail).toContain('operator.approvals');
    const forked = await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: src, target_session_key: 'agent:main:branch', fork_point: 2 })
      .expect(201);
    expect(forked.body).toMatchObject({
      key: 'agent:main:branch',
      parent_key: src,
      fork_point: 2,
      label: 'Origin',
      thinking_level: 'low',
      message_count: 2,
    });
    const h = await history(app, 'agent:main:branch');
    expect(h.messages.map((m: any) => m.content[0].text)).toEqual(['one', 'Echo: one']);
    await converse('agent:main:branch', 'three');
    expect((await history(app, src)).total).toBe(4);
    expect((await history(app, 'agent:main:branch')).total).toBe(4);
    const all = await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: src })
      .expect(201);
    expect(all.body).toMatchObject({ parent_key: src, fork_point: 4, message_count: 4 });
    expect(all.body.key).toMatch(/^agent:main:origin-fork-[0-9a-f]{6}$/);

    const range = await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: src, fork_point: 9 })
      .expect(422);
    expect(range.body.detail).toContain('0..4');
    await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: 'agent:main:none' })
      .expect(404);
    const exists = await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: src, target_session_key: 'agent:main:branch' })
      .expect(409);
    expect(exists.body.code).toBe('SESSION_EXISTS');
    await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: src, fork_point: -1 })
      .expect(400);
    await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: src, target_session_key: 'agent:main:' })
      .expect(400);
  });

  it('tree shows parent/children; deleting a parent does not cascade: children stay with parent_missing', async () => {
    await converse('agent:main:root', 'r');
    await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: 'agent:main:root', target_session_key: 'agent:main:child' })
      .expect(201);
    await app
      .http()
      .post('/api/sessions/fork')
      .set(ADMIN)
      .send({ source_session_key: 'agent:main:child', target_session_key: 'agent:main:grandchild' })
      .expect(201);
    const tree = await app.http().get('/api/sessions/tree').set(ADMIN).expect(200);
    const root = tree.body.items.find((n: any) => n.key === 'agent:main:root');
    expect(root.children.map((c: any) => c.key)).toEqual(['agent:main:child']);
    expect(root.children[0].children.map((c: any) => c.key)).toEqual(['agent:main:grandchild']);

    await app.http().delete('/api/sessions/agent:main:child').set(writer).expect(403);
    const del = await app.http().delete('/api/sessions/agent:main:child').set(ADMIN).expect(200);
    expect(del.body).toEqual({ ok: true, key: 'agent:main:child', deleted: true });
    await app.http().get('/api/sessions/agent:main:child').set(ADMIN).expect(404);
    const grandchild = await app.http().get('/api/sessions/agent:main:grandchild').set(ADMIN).expect(200);
    expect(grandchild.body).toMatchObject({
      parent_key: 'agent:main:child',
      parent_missing: true,
      message_count: 2,
    });
    const after = await app.http().get('/api/sessions/tree').set(ADMIN).expect(200);
    expect(after.body.items.find((n: any) => n.key === 'agent:main:root').children).toEqual([]);
    expect(after.body.items.find((n: any) => n.key === 'agent:main:grandchild')).toMatchObject({
      parent_missing: true,
      parent_key: 'agent:main:child',
    });
    // The grandchild keeps working.
    await converse('agent:main:grandchild', 'still here');
    // The audit log has the deletion.
    const audit = await app.http().get('/api/audit?action=session.delete').set(ADMIN);
    if (audit.status === 200) expect(JSON.stringify(audit.body)).toContain('agent:main:child');
    await app.http().delete('/api/sessions/agent:main:child').set(ADMIN).expect(404);
    // MicroClaw Web API form.
    await app
      .http()
      .post('/api/delete_session')
      .set(ADMIN)
      .send({ session_key: 'agent:main:root' })
      .expect(200, { ok: true, key: 'agent:main:root', deleted: true });
  });

  it('lists with filters and paging', async () => {
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'lister', name: 'Lister', provider: { type: 'echo' } })
      .expect(201);
    for (const n of ['a', 'b', 'c'])
      await app
        .http()
        .post('/api/sessions')
        .set(ADMIN)
        .send({ agent_id: 'lister', name: `needle-${n}`, label: n === 'b' ? 'special' : undefined })
        .expect(201);
    const byAgent = await app.http().get('/api/sessions?agent_id=lister&limit=2').set(ADMIN).expect(200);
    expect(byAgent.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(byAgent.body.items).toHaveLength(2);
    const page2 = await app
      .http()
      .get('/api/sessions?agent_id=lister&limit=2&offset=2')
      .set(ADMIN)
      .expect(200);
    expect(page2.body.items).toHaveLength(1);
    const keys = [...byAgent.body.items, ...page2.body.items].map((s: any) => s.key).sort();
    expect(keys).toEqual(['agent:lister:needle-a', 'agent:lister:needle-b', 'agent:lister:needle-c']);
    const label = await app.http().get('/api/sessions?label=special').set(ADMIN).expect(200);
    expect(label.body.items.map((s: any) => s.key)).toEqual(['agent:lister:needle-b']);
    const search = await app.http().get('/api/sessions?search=NEEDLE-C').set(ADMIN).expect(200);
    expect(search.body.items.map((s: any) => s.key)).toEqual(['agent:lister:needle-c']);
    const pct = await app.http().get('/api/sessions?search=%25').set(ADMIN).expect(200);
    expect(pct.body.total).toBe(0);
    const active = await app
      .http()
      .get('/api/sessions?active_minutes=5&agent_id=lister')
      .set(ADMIN)
      .expect(200);
    expect(active.body.total).toBe(3);
    await app.http().get('/api/sessions?limit=0').set(ADMIN).expect(400);
    await app.http().get('/api/sessions?active_minutes=abc').set(ADMIN).expect(400);
    await app.http().get('/api/sessions?bogus=1').set(ADMIN).expect(400);
  });

  it('history pages backwards with a cursor', async () => {
    const key = 'agent:main:long';
    await converse(key, 'm1', 'm2', 'm3');
    const p1 = (await app.http().get(`/api/sessions/${key}/history?limit=4`).set(ADMIN).expect(200)).body;
    expect(p1.messages.map((m: any) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(p1).toMatchObject({ has_more: true, total: 6, next_cursor: '3' });
    const p2 = (
      await app
        .http()
        .get(`/api/sessions/${key}/history?limit=4&cursor=${p1.next_cursor}`)
        .set(ADMIN)
        .expect(200)
    ).body;
    expect(p2.messages.map((m: any) => m.seq)).toEqual([1, 2]);
    expect(p2.has_more).toBe(false);
    expect(p2.next_cursor).toBeUndefined();
    await app.http().get(`/api/sessions/${key}/history?cursor=zz`).set(ADMIN).expect(400);
    await app.http().get(`/api/sessions/${key}/history?limit=5000`).set(ADMIN).expect(400);
    await app.http().get('/api/sessions/agent:main:ghost/history').set(ADMIN).expect(404);
  });
});
