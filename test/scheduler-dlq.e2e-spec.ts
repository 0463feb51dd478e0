import { DataSource } from 'typeorm';
import { ToolRegistry } from '../src/modules/runtime/tools/tool-registry';
import { ADMIN, createAgent, createTask, dlq, FAST_SCHEDULER_ENV, getTask, inMs, taskRuns, waitForTask } from './support/scheduler-helpers';
import { startTestApp, TestApp, waitFor } from './support/test-app';

/** A task that fails once (echo /fail), then lands in the DLQ; returns the task and its entry. */
async function failingOnce(app: TestApp, chat: string, prompt = '/fail upstream exploded') {
  const task = await createTask(app, { chat_id: chat, prompt, schedule_type: 'once', schedule_value: inMs(0) });
  await waitForTask(app, task.id, (t) => t.status === 'failed');
  const entries = (await dlq(app, { task_id: task.id })).items;
  expect(entries).toHaveLength(1);
  return { task, entry: entries[0] };
}

function replay(app: TestApp, body: Record<string, unknown>, headers: Record<string, string> = ADMIN) {
  return app.http().post('/api/scheduler/dlq/replay').set(headers).send(body);
}

async function setPrompt(app: TestApp, taskId: string, prompt: string) {
  await app.app.get(DataSource).query(`UPDATE scheduled_tasks SET prompt = $2 WHERE id = $1`, [taskId, prompt]);
}

describe('scheduler: DLQ and replay', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: FAST_SCHEDULER_ENV });
  }, 60_000);
  afterAll(() => app?.close());

  it('a run of an agent whose provider is down lands in the DLQ with its error', async () => {
    await createAgent(app, { id: 'deadend', name: 'Dead end', provider: { type: 'openai', base_url: 'http://127.0.0.1:1/v1', model: 'x', api_key: 'sk-test' } });
    const task = await createTask(app, { chat_id: 'agent:deadend:ops', prompt: 'report', schedule_type: 'interval', schedule_value: '1h' });
    await app.app.get(DataSource).query(`UPDATE scheduled_tasks SET next_run = now() WHERE id = $1`, [task.id]);
    const after = await waitForTask(app, task.id, (t) => t.run_count === 1);
    expect(after.status).toBe('active'); // a recurring task keeps its schedule
    expect(new Date(after.next_run).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(after.last_error).toBeTruthy();
    const [run] = await taskRuns(app, task.id);
    expect(run).toMatchObject({ success: false, status: 'failed' });
    const list = await dlq(app, { chat_id: 'agent:deadend:ops' });
    expect(list.total).toBe(1);
    expect(list.items[0]).toMatchObject({ task_id: task.id, chat_id: 'agent:deadend:ops', status: 'pending', task_run_id: run.id, replay_note: null, replay_attempts: 0 });
    expect(list.items[0].error_summary).toMatch(/ECONNREFUSED|connect|fetch failed|127\.0\.0\.1/i);
    expect(list.items[0].error_summary).not.toContain('sk-test');
    for (const k of ['failed_at', 'started_at', 'finished_at', 'duration_ms']) expect(list.items[0][k]).toBeDefined();
  });

  it('replays by chat: the task is re-queued at once, succeeds, and the entry is marked replayed/queued', async () => {
    const chat = 'agent:main:replay-chat';
    const { task, entry } = await failingOnce(app, chat);
    await setPrompt(app, task.id, 'fixed now');
    const res = await replay(app, { chat_id: chat }).expect(200);
    expect(res.body).toEqual({ replayed: [{ dlq_id: entry.id, task_id: task.id, note: 'queued' }], skipped: [] });
    const done = await waitForTask(app, task.id, (t) => t.status === 'completed');
    expect(done.run_count).toBe(2);
    const runs = await taskRuns(app, task.id); // newest first
    expect(runs[0]).toMatchObject({ success: true, replay_of: entry.id });
    expect(runs[1]).toMatchObject({ success: false, recovered_by: runs[0].id });
    const [after] = (await dlq(app, { task_id: task.id })).items;
    expect(after).toMatchObject({ status: 'replayed', replay_note: 'queued' });
    expect(after.replayed_at).toBeTruthy();
    // nothing pending is left to replay
    expect((await replay(app, { chat_id: chat }).expect(200)).body).toEqual({ replayed: [], skipped: [] });
    // audited
    const audit = await app.http().get('/api/audit?action=scheduler.dlq.replay').set(ADMIN).expect(200);
    expect(audit.body.items.some((a: any) => a.target === `chat:${chat}`)).toBe(true);
  });

  it('replays by task and with a limit, oldest first', async () => {
    const chat = 'agent:main:replay-select';
    const a = await failingOnce(app, chat);
    const b = await failingOnce(app, chat);
    const c = await failingOnce(app, chat);
    // The replayed tasks succeed this time (a replay that fails again would add a new pending entry).
    for (const { task } of [a, b]) await setPrompt(app, task.id, 'fixed now');
    const byTask = await replay(app, { chat_id: chat, task_id: b.task.id }).expect(200);
    expect(byTask.body.replayed).toEqual([{ dlq_id: b.entry.id, task_id: b.task.id, note: 'queued' }]);
    const limited = await replay(app, { chat_id: chat, limit: 1 }).expect(200);
    expect(limited.body.replayed).toEqual([{ dlq_id: a.entry.id, task_id: a.task.id, note: 'queued' }]);
    expect((await dlq(app, { chat_id: chat, status: 'pending' })).items.map((e: any) => e.id)).toEqual([c.entry.id]);
    // another chat's entries are untouched by a replay of this chat
    const other = await failingOnce(app, 'agent:main:replay-other');
    await replay(app, { chat_id: chat }).expect(200);
    expect((await dlq(app, { task_id: other.task.id })).items[0].status).toBe('pending');
  });

  it('skips entries whose task was deleted, cancelled or completed, with a note', async () => {
    const chat = 'agent:main:replay-skips';
    const deleted = await failingOnce(app, chat);
    const cancelled = await failingOnce(app, chat);
    const recurring = await createTask(app, { chat_id: chat, prompt: '/fail nope', schedule_type: 'interval', schedule_value: '1h', max_runs: 2 });
    await app.app.get(DataSource).query(`UPDATE scheduled_tasks SET next_run = now() WHERE id = $1`, [recurring.id]);
    await waitForTask(app, recurring.id, (t) => t.run_count === 1);
    await app.http().delete(`/api/scheduler/tasks/${deleted.task.id}`).set(ADMIN).expect(200);
    await app.http().post(`/api/scheduler/tasks/${cancelled.task.id}/cancel`).set(ADMIN).expect(200);
    // the recurring task's failure: completed meanwhile (its second run succeeded)
    await setPrompt(app, recurring.id, 'ok');
    await app.app.get(DataSource).query(`UPDATE scheduled_tasks SET next_run = now() WHERE id = $1`, [recurring.id]);
    await waitForTask(app, recurring.id, (t) => t.status === 'completed');
    const res = await replay(app, { chat_id: chat }).expect(200);
    expect(res.body.replayed).toEqual([]);
    const notes = Object.fromEntries(res.body.skipped.map((s: any) => [s.task_id, s.note]));
    expect(notes).toEqual({
      [deleted.task.id]: 'skipped: task deleted',
      [cancelled.task.id]: 'skipped: task cancelled',
      [recurring.id]: 'skipped: task completed',
    });
    const entries = (await dlq(app, { chat_id: chat })).items;
    expect(entries.every((e: any) => e.status === 'replayed' && e.replay_note.startsWith('skipped: '))).toBe(true);
  });

  it('leaves entries of a paused task pending, noting why', async () => {
    const chat = 'agent:main:replay-paused';
    const recurring = await createTask(app, { chat_id: chat, prompt: '/fail x', schedule_type: 'interval', schedule_value: '1h' });
    await app.app.get(DataSource).query(`UPDATE scheduled_tasks SET next_run = now() WHERE id = $1`, [recurring.id]);
    await waitForTask(app, recurring.id, (t) => t.run_count === 1);
    await app.http().post(`/api/scheduler/tasks/${recurring.id}/pause`).set(ADMIN).expect(200);
    const res = await replay(app, { chat_id: chat }).expect(200);
    expect(res.body.skipped).toHaveLength(1);
    expect(res.body.skipped[0].note).toMatch(/^skipped: task paused/);
    const [entry] = (await dlq(app, { chat_id: chat })).items;
    expect(entry).toMatchObject({ status: 'pending' });
    expect(entry.replay_note).toMatch(/^skipped: task paused/);
  });

  it('validates replay requests and needs operator.approvals', async () => {
    for (const [body, field] of [
      [{}, 'chat_id'],
      [{ chat_id: 'main', limit: 0 }, 'limit'],
      [{ chat_id: 'main', limit: 501 }, 'limit'],
      [{ chat_id: 'main', limit: '5' }, 'limit'],
      [{ chat_id: 'main', task_id: 'abc' }, 'task_id'],
      [{ chat_id: 'main', extra: 1 }, 'extra'],
    ] as const) {
      const res = await replay(app, body).expect(400);
      expect(res.body.detail).toContain(field);
    }
    const bad = await replay(app, { chat_id: 'agent::x' }).expect(422);
    expect(bad.body).toMatchObject({ code: 'INVALID_SESSION_KEY' });
    const writer = await app.http().post('/api/auth/api_keys').set(ADMIN).send({ label: 'w', scopes: ['operator.write'] }).expect(201);
    const denied = await replay(app, { chat_id: 'main' }, { Authorization: `Bearer ${writer.body.api_key}` }).expect(403);
    expect(denied.body.code).toBe('MISSING_SCOPE');
    await app.http().get('/api/scheduler/dlq?status=lost').set(ADMIN).expect(400);
    await app.http().get('/api/scheduler/dlq?task_id=nope').set(ADMIN).expect(400);
    await app.http().get('/api/scheduler/dlq?limit=0').set(ADMIN).expect(400);
  });

  it('agent tools list and replay the DLQ of the calling session', async () => {
    const registry = app.app.get(ToolRegistry);
    expect(registry.has('list_scheduled_task_dlq')).toBe(true);
    expect(registry.has('replay_scheduled_task_dlq')).toBe(true);
    await createAgent(app, { id: 'opsbot', name: 'Ops bot', provider: { type: 'echo' }, tools: ['list_scheduled_task_dlq', 'replay_scheduled_task_dlq'] });
    const chat = 'agent:opsbot:ops';
    const { task, entry } = await failingOnce(app, chat);
    await setPrompt(app, task.id, 'fine');
    // the agent calls the tools from inside a run of its session (echo: "/tool <name> <json>")
    const ask = async (message: string) => {
      const sent = await app.http().post(`/api/sessions/${chat}/messages`).set(ADMIN).send({ message }).expect(202);
      await waitFor(async () => ['succeeded', 'failed'].includes((await app.http().get(`/api/runs/${sent.body.run_id}`).set(ADMIN)).body.status), 10_000);
      const history = await app.http().get(`/api/sessions/${chat}/history?limit=20`).set(ADMIN).expect(200);
      const answer = history.body.messages.filter((m: any) => m.run_id === sent.body.run_id && m.role === 'assistant').at(-1);
      return answer.content.map((c: any) => c.text).join('');
    };
    const listed = await ask('/tool list_scheduled_task_dlq {}');
    expect(listed).toContain(entry.id);
    expect(listed).toContain(`"chat_id":"${chat}"`);
    const replayed = await ask(`/tool replay_scheduled_task_dlq {"task_id":"${task.id}","limit":5}`);
    expect(replayed).toContain(`"note":"queued"`);
    await waitForTask(app, task.id, (t) => t.status === 'completed');
    const bad = await ask('/tool replay_scheduled_task_dlq {"limit":"all"}');
    expect(bad).toContain('limit must be an integer');
    // another session's tools do not see this chat's entries
    const other = await registry.execute('list_scheduled_task_dlq', { status: 'replayed' }, {
      sessionKey: 'agent:opsbot:elsewhere',
      runId: 'r',
      organizationId: (await app.app.get(DataSource).query(`SELECT organization_id FROM scheduled_tasks WHERE id = $1`, [task.id]))[0].organization_id,
      signal: new AbortController().signal,
    });
    expect(JSON.parse(other.content).total).toBe(0);
  });

  it('reports scheduler_recoverability_7d from the database', async () => {
    const stats = await app.http().get('/api/scheduler/stats').set(ADMIN).expect(200);
    const r = stats.body.scheduler_recoverability_7d;
    expect(r.window).toBe('7d');
    expect(r.due).toBeGreaterThan(0);
    expect(r.due).toBe(r.succeeded_first_attempt + r.recovered + r.unrecovered);
    expect(r.recovered).toBeGreaterThanOrEqual(2); // the replays above that succeeded
    expect(r.unrecovered).toBeGreaterThan(0); // failures nobody recovered
    expect(r.value).toBeCloseTo((r.succeeded_first_attempt + r.recovered) / r.due, 5);
    expect(stats.body.dlq.pending).toBeGreaterThan(0);
    expect(stats.body.replica).toMatchObject({ running: true, enabled: true });
    // the same number feeds the SLO of the metrics summary (one organization here, so cluster = org)
    const summary = await app.http().get('/api/metrics/summary').set(ADMIN).expect(200);
    expect(summary.body.slo.scheduler_recoverability_7d.value).toBeCloseTo(r.value, 5);
    expect(summary.body.slo.scheduler_recoverability_7d.status).toBe('burning'); // below 0.999: unrecovered failures
    // counters for the metrics module (the gauges refresh every few seconds)
    const metrics = await waitFor(async () => {
      const text = (await app.http().get('/metrics').set(ADMIN).expect(200)).text;
      return /^scheduler_dlq_size [1-9]/m.test(text) ? text : undefined;
    }, 15_000);
    expect(metrics).toMatch(/^scheduler_task_runs_total\{outcome="succeeded"\} [1-9]/m);
    expect(metrics).toMatch(/^scheduler_task_runs_total\{outcome="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^scheduler_replays_total\{result="queued",trigger="operator"\} [1-9]/m);
    expect(metrics).toMatch(/^scheduler_replays_total\{result="skipped",trigger="operator"\} [1-9]/m);
    expect(metrics).toMatch(/^scheduler_lag_seconds \d/m);
  });
});

describe('scheduler: automatic replay', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ...FAST_SCHEDULER_ENV, SCHEDULER_AUTO_REPLAY_ATTEMPTS: '2', SCHEDULER_AUTO_REPLAY_DELAY_MS: '0' } });
  }, 60_000);
  afterAll(() => app?.close());

  it('replays a failure up to SCHEDULER_AUTO_REPLAY_ATTEMPTS times, then leaves it pending', async () => {
    const task = await createTask(app, { chat_id: 'agent:main:auto', prompt: '/fail always', schedule_type: 'once', schedule_value: inMs(0) });
    const entries = await waitFor(async () => {
      const list = await dlq(app, { task_id: task.id });
      return list.total === 3 && list.items.some((e: any) => e.status === 'pending') ? list.items : undefined;
    }, 20_000);
    const byAttempt = [...entries].sort((a: any, b: any) => a.replay_attempts - b.replay_attempts);
    expect(byAttempt.map((e: any) => [e.replay_attempts, e.status, e.replay_note])).toEqual([
      [0, 'replayed', 'queued'],
      [1, 'replayed', 'queued'],
      [2, 'pending', null],
    ]);
    expect((await getTask(app, task.id)).status).toBe('failed');
    expect(await taskRuns(app, task.id)).toHaveLength(3);
  });

  it('an automatic replay that succeeds recovers the failure', async () => {
    const task = await createTask(app, { chat_id: 'agent:main:auto-ok', prompt: '/fail once', schedule_type: 'interval', schedule_value: '1h' });
    await app.app.get(DataSource).query(`UPDATE scheduled_tasks SET next_run = now() + interval '300 milliseconds' WHERE id = $1`, [task.id]);
    await waitForTask(app, task.id, (t) => t.run_count >= 1);
    await setPrompt(app, task.id, 'ok');
    const runs = (await waitFor(async () => {
      const r = await taskRuns(app, task.id);
      return r.some((x: any) => x.success) ? r : undefined;
    }, 15_000))!;
    const failed = runs.find((r: any) => !r.success);
    const ok = runs.find((r: any) => r.success);
    expect(failed.recovered_by).toBe(ok.id);
  });
});
