import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ADMIN, expectSucceeded, getRun, history, recordEvents, waitForRun } from './support/runtime-helpers';
import { connectedClient } from './support/gateway-client';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';
import { spawnAcp, startAcpApp, subagentLog, subagentOf, waitForSubagent } from './support/acp';

describe('ACP subagents: spawn, stream, files, terminals, crash, log, announce', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startAcpApp();
  });
  afterAll(() => app.close());

  it('spawns the default target, streams its answer, plan and tool calls into the run, logs them and announces to the parent', async () => {
    const rec = await recordEvents(app);
    const spawned = await spawnAcp(app, {
      task: 'summarize the repo',
      parent_session_key: 'agent:main:main',
      label: 'acp helper',
    });
    expect(spawned.run_id).toBeDefined();
    expect(spawned.parent_key).toBe('agent:main:main');
    const run = await waitForRun(app, spawned.run_id, undefined, 20_000);
    expectSucceeded(run);
    expect(run.source).toBe('spawn');

    const chat = rec.chat(spawned.run_id);
    const deltas = chat.filter((c) => c.state === 'delta').map((c) => c.deltaText);
    expect(deltas).toEqual(['Hello from ACP. ', 'You asked: summarize the repo']);
    const final = chat.find((c) => c.state === 'final');
    expect(final.message.content[0].text).toBe('Hello from ACP. You asked: summarize the repo');
    const agentEvents = rec.agent(spawned.run_id);
    expect(agentEvents.find((a) => a.stream === 'plan').data.entries).toHaveLength(2);
    expect(agentEvents.filter((a) => a.stream === 'tool').map((a) => a.data.phase)).toEqual([
      'start',
      'result',
    ]);
    rec.stop();

    const h = await history(app, spawned.key);
    expect(h.messages.map((m: any) => [m.role, m.content[0].text])).toEqual([
      ['user', 'summarize the repo'],
      ['assistant', 'Hello from ACP. You asked: summarize the repo'],
    ]);

    const sub = await waitForSubagent(app, spawned.run_id, ['succeeded']);
    expect(sub).toMatchObject({
      run_id: spawned.run_id,
      session_key: spawned.key,
      parent_session_key: 'agent:main:main',
      target: 'answer',
      exit_code: 0,
      exit_signal: null,
      result_text: 'Hello from ACP. You asked: summarize the repo',
    });
    expect(sub.command).toContain('answer.mjs');
    expect(sub.pid).toEqual(expect.any(Number));

    const log = await subagentLog(app, spawned.run_id);
    expect(log.items.map((e: any) => e.seq)).toEqual(log.items.map((_: unknown, i: number) => i + 1));
    const kinds = log.items.map((e: any) => e.kind);
    expect(kinds).toEqual(['lifecycle', 'plan', 'tool_call', 'tool_call_update', 'lifecycle']);
    expect(log.items[2]).toMatchObject({
      summary: 'tool call: Think about the task',
      data: { raw_input: { task: 'summarize the repo' } },
    });
    expect(log.subagent.id).toBe(sub.id);
    const planOnly = await subagentLog(app, sub.id, 'kind=plan');
    expect(planOnly.items).toHaveLength(1);
    expect(planOnly.total).toBe(1);

    // The parent hears the result as a message (and its agent answers it).
    const parent = await waitFor(
      async () => {
        const p = await history(app, 'agent:main:main');
        return p.messages.some(
          (m: any) =>
            m.role === 'user' && m.content[0].text.startsWith(`[subagent ${spawned.key}] succeeded`),
        )
          ? p
          : undefined;
      },
      15_000,
      'announce in the parent session',
    );
    const announce = parent.messages.find((m: any) => m.content[0].text.startsWith('[subagent'));
    expect(announce.content[0].text).toContain('Hello from ACP. You asked: summarize the repo');
    expect(announce.content[0].text).toContain('<<<EXTERNAL_DATA');
    expect((await subagentOf(app, sub.id)).announced_at).not.toBeNull();

    const list = await app
      .http()
      .get('/api/subagents/runs?parent_session_key=agent:main:main')
      .set(ADMIN)
      .expect(200);
    expect(list.body.items.map((r: any) => r.id)).toContain(sub.id);
    expect(list.body).toMatchObject({ limit: 50, offset: 0 });
    const tree = await app.http().get('/api/sessions/tree').set(ADMIN).expect(200);
    const main = tree.body.items.find((n: any) => n.key === 'agent:main:main');
    expect(main.children.map((c: any) => c.key)).toContain(spawned.key);
  });

  it('writes files and runs terminals inside the working directory', async () => {
    const spawned = await spawnAcp(app, { task: 'take notes', runtime_target: 'write-file' });
    const run = await waitForRun(app, spawned.run_id, undefined, 20_000);
    expectSucceeded(run);
    const sub = await subagentOf(app, spawned.run_id);
    const file = join(sub.workspace, 'notes', 'hello.txt');
    expect(readFileSync(file, 'utf8')).toBe('written by the ACP agent\nsecond line\n');
    expect(sub.result_text).toBe(
      `read back: second line | terminal exit 0: written by the ACP agent @ ${sub.workspace}`,
    );
    const log = await subagentLog(app, spawned.run_id);
    const events = log.items
      .filter((e: any) => e.kind === 'file' || e.kind === 'terminal')
      .map((e: any) => e.data.op);
    expect(events).toEqual(['write', 'read', 'create', 'exit']);
    expect(log.items.find((e: any) => e.data.op === 'write').data).toMatchObject({
      path: 'notes/hello.txt',
      bytes: 37,
    });
  });

  it('refuses file and terminal requests that leave the working directory (../, absolute, symlink)', async () => {
    const spawned = await spawnAcp(app, { task: 'escape', runtime_target: 'escape' });
    expectSucceeded(await waitForRun(app, spawned.run_id, undefined, 20_000));
    const sub = await subagentOf(app, spawned.run_id);
    const lines: string[] = sub.result_text.split('\n');
    for (const attempt of [
      'write ../',
      'read /etc/hostname',
      'write via symlink',
      'read via symlink',
      'terminal cwd ..',
    ])
      expect(lines.find((l) => l.startsWith(`${attempt}:`))).toMatch(/: refused \(.*refused: /);
    expect(lines).toContain('write inside: allowed');
    const outside = dirname(sub.workspace);
    expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(outside, 'escaped-via-link.txt'))).toBe(false);
    expect(readFileSync(join(sub.workspace, 'inside.txt'), 'utf8')).toBe('fine');
    const refused = (await subagentLog(app, spawned.run_id)).items.filter((e: any) => e.data?.refused);
    expect(refused.map((e: any) => e.kind)).toEqual(['file', 'file', 'file', 'file', 'terminal']);
    expect(refused[2].data.refused).toMatch(/symlink/);
  });

  it('an agent that exits early fails the run with its stderr, and the parent hears the failure', async () => {
    const ghost = await spawnAcp(
      app,
      { task: 'do it', runtime_target: 'crash', parent_session_key: 'agent:ghost:x' },
      404,
    );
    expect(ghost.code).toBe('AGENT_NOT_FOUND');
    const ok = await spawnAcp(app, {
      task: 'do it',
      runtime_target: 'crash',
      parent_session_key: 'crash-parent',
    });
    const run = await waitForRun(app, ok.run_id, undefined, 20_000);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(
      /^ACP agent exited with code 1 before finishing the task; stderr: fatal: model backend unreachable/,
    );
    const sub = await waitForSubagent(app, ok.run_id, ['failed']);
    expect(sub).toMatchObject({
      exit_code: 1,
      stderr_tail: expect.stringContaining('model backend unreachable'),
    });
    expect(sub.error).toBe(run.error);
    const parent = await waitFor(
      async () => {
        const p = await history(app, 'agent:main:crash-parent');
        return p.messages.find((m: any) => m.content[0].text.startsWith(`[subagent ${ok.key}] failed`));
      },
      15_000,
      'failure announce',
    );
    expect(parent.content[0].text).toContain('model backend unreachable');
  });

  it('spawn errors: unknown target, disabled target, no task — nothing is created', async () => {
    const before = (await app.http().get('/api/sessions').set(ADMIN).expect(200)).body.total;
    const unknown = await spawnAcp(app, { task: 'x', runtime_target: 'gemini', name: 'never-1' }, 400);
    expect(unknown.code).toBe('ACP_UNKNOWN_TARGET');
    expect(unknown.detail).toMatch(/^unknown target 'gemini': known ACP targets are answer, permission/);
    const noTask = await spawnAcp(app, { runtime_target: 'answer', name: 'never-2' }, 400);
    expect(noTask.code).toBe('ACP_TASK_REQUIRED');
    const after = (await app.http().get('/api/sessions').set(ADMIN).expect(200)).body.total;
    expect(after).toBe(before);
  });

  it('subagent reads: 404 for unknown or malformed ids, 400 for bad filters', async () => {
    const missing = await app
      .http()
      .get('/api/subagents/runs/00000000-0000-4000-8000-000000000000')
      .set(ADMIN)
      .expect(404);
    expect(missing.body.code).toBe('SUBAGENT_RUN_NOT_FOUND');
    await app.http().get('/api/subagents/runs/not-a-uuid/log').set(ADMIN).expect(404);
    const bad = await app.http().get('/api/subagents/runs?status=exploded').set(ADMIN).expect(400);
    expect(bad.body.detail).toMatch(/status/);
    await app.http().get('/api/subagents/runs?limit=0').set(ADMIN).expect(400);
  });

  it('sessions.spawn on the bridge starts an ACP run whose events reach the socket', async () => {
    const { client } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
    try {
      const res = await client.request('sessions.spawn', {
        task: 'from the bridge',
        runtime: 'acp',
        runtimeTarget: 'answer',
        label: 'bridge acp',
      });
      expect(res.ok).toBe(true);
      const runId = res.payload.runId;
      await waitFor(
        () =>
          client.events.some(
            (e) => e.event === 'chat' && e.payload.runId === runId && e.payload.state === 'final',
          ),
        20_000,
        'final chat event on the socket',
      );
      const final = client.events.find(
        (e) => e.event === 'chat' && e.payload.runId === runId && e.payload.state === 'final',
      )!;
      expect(final.payload.message.content[0].text).toBe('Hello from ACP. You asked: from the bridge');
      expect(
        client.events.some(
          (e) => e.event === 'agent' && e.payload.runId === runId && e.payload.stream === 'plan',
        ),
      ).toBe(true);
      const unknown = await client.request('sessions.spawn', {
        task: 'x',
        runtime: 'acp',
        runtimeTarget: 'nope',
      });
      expect(unknown.ok).toBe(false);
      expect(unknown.error!.message).toContain("unknown target 'nope'");
    } finally {
      client.ws.close();
    }
  });

  it('an agent spawns an ACP subagent with the sessions_spawn tool and hears its result; /api/health shows the runtime', async () => {
    await app
      .http()
      .post('/api/agents')
      .set(ADMIN)
      .send({ id: 'spawner', name: 'Spawner', provider: { type: 'echo' }, tools: ['sessions_spawn'] })
      .expect(201);
    const sent = await app
      .http()
      .post('/api/sessions/agent:spawner:main/messages')
      .set(ADMIN)
      .send({
        message:
          '/tool sessions_spawn {"task": "via the tool", "runtime": "acp", "runtime_target": "answer"}',
      })
      .expect(202);
    expectSucceeded(await waitForRun(app, sent.body.run_id, undefined, 15_000));
    const spawned = await waitFor(
      async () =>
        (
          await app
            .http()
            .get('/api/subagents/runs?parent_session_key=agent:spawner:main')
            .set(ADMIN)
            .expect(200)
        ).body.items[0],
      10_000,
      'subagent spawned by the tool',
    );
    expect((await waitForSubagent(app, spawned.run_id, ['succeeded'])).result_text).toBe(
      'Hello from ACP. You asked: via the tool',
    );
    await waitFor(
      async () =>
        (await history(app, 'agent:spawner:main')).messages.some((m: any) =>
          String(m.content[0]?.text ?? '').startsWith(`[subagent ${spawned.session_key}] succeeded`),
        ),
      15_000,
      'announce to the spawning session',
    );
    const bad = await app
      .http()
      .post('/api/sessions/agent:spawner:main/messages')
      .set(ADMIN)
      .send({ message: '/tool sessions_spawn {"task": "x", "runtime": "acp", "runtime_target": "nope"}' })
      .expect(202);
    await waitForRun(app, bad.body.run_id, undefined, 15_000);
    const h = await history(app, 'agent:spawner:main');
    expect(JSON.stringify(h.messages)).toContain("sessions_spawn failed: unknown target 'nope'");
    const health = await app.http().get('/api/health').set(ADMIN).expect(200);
    expect(health.body.subagents ?? health.body.details?.subagents).toMatchObject({
      acp_enabled: true,
      max_concurrent: 4,
      permission_mode: 'ask',
    });
  });

  it('abort stops the agent and everything it started', async () => {
    const spawned = await spawnAcp(app, { task: 'work forever', runtime_target: 'slow' });
    const sub = await waitForSubagent(app, spawned.run_id, ['running']);
    const pidsFile = join(sub.workspace, 'pids.json');
    const pids = await waitFor(
      () => (existsSync(pidsFile) ? JSON.parse(readFileSync(pidsFile, 'utf8')) : undefined),
      10_000,
      'pids.json',
    );
    expect(pids.agent).toBe(sub.pid);
    const res = await app
      .http()
      .post(`/api/sessions/${encodeURIComponent(spawned.key)}/abort`)
      .set(ADMIN)
      .send({})
      .expect(200);
    expect(res.body.run_ids).toEqual([spawned.run_id]);
    const run = await waitForRun(app, spawned.run_id, undefined, 10_000);
    expect(run.status).toBe('aborted');
    expect((await waitForSubagent(app, spawned.run_id, ['aborted'])).status).toBe('aborted');
    await waitFor(
      () => !alive(pids.agent) && !alive(pids.grandchild),
      10_000,
      'agent and grandchild to be gone',
    );
    expect((await getRun(app, spawned.run_id)).error).toBe('aborted by request');
  });

  it('a run timeout stops the agent (timed_out)', async () => {
    const spawned = await spawnAcp(app, { task: 'too long', runtime_target: 'slow', run_timeout_secs: 1 });
    const run = await waitForRun(app, spawned.run_id, undefined, 15_000);
    expect(run.status).toBe('timed_out');
    const sub = await waitForSubagent(app, spawned.run_id, ['timed_out']);
    await waitFor(() => !alive(sub.pid), 10_000, 'agent gone after the timeout');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ACP runtime disabled', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { SUBAGENTS_ACP_ENABLED: 'true' } });
  });
  afterAll(() => app.close());

  it('enabled without a command or target: spawn answers "ACP runtime is disabled" and creates nothing', async () => {
    const res = await app
      .http()
      .post('/api/sessions')
      .set(ADMIN)
      .send({ runtime: 'acp', task: 'x', name: 'acp-off' })
      .expect(400);
    expect(res.body.code).toBe('ACP_DISABLED');
    expect(res.body.detail).toMatch(/^ACP runtime is disabled/);
    await app.http().get('/api/sessions/agent:main:acp-off').set(ADMIN).expect(404);
  });
});
