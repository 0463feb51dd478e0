import { DataSource } from 'typeorm';
import { ADMIN, createTask, FAST_SCHEDULER_ENV, getTask, inMs, taskRuns, waitForTask } from './support/scheduler-helpers';
import { startTestApp, TestApp, waitFor } from './support/test-app';

describe('scheduler: tasks', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: FAST_SCHEDULER_ENV });
  }, 60_000);
  afterAll(() => app?.close());

  describe('creating tasks', () => {
    it('creates a cron task in a time zone with its next run computed', async () => {
      const task = await createTask(app, {
        chat_id: 'agent:main:cron-demo',
        prompt: 'daily report',
        schedule_type: 'cron',
        schedule_value: '0 9 * * *',
        timezone: 'Europe/Berlin',
      });
      expect(task).toMatchObject({ chat_id: 'agent:main:cron-demo', status: 'active', run_count: 0, timezone: 'Europe/Berlin' });
      const next = new Date(task.next_run);
      const berlinHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(next));
      expect(berlinHour).toBe(9);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      const listed = await app.http().get('/api/scheduler/tasks?chat_id=agent:main:cron-demo').set(ADMIN).expect(200);
      expect(listed.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
      expect(listed.body.items[0].id).toBe(task.id);
    });

    it('accepts a bare chat name as agent:main:<name>', async () => {
      const task = await createTask(app, { chat_id: 'bare', prompt: 'x', schedule_type: 'interval', schedule_value: '1h' });
      expect(task.chat_id).toBe('agent:main:bare');
      expect(new Date(task.next_run).getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    });

    it.each([
      [{ schedule_type: 'cron', schedule_value: 'every monday' }, 422, 'INVALID_SCHEDULE', 'schedule_value'],
      [{ schedule_type: 'cron', schedule_value: '61 * * * *' }, 422, 'INVALID_SCHEDULE', 'schedule_value'],
      [{ schedule_type: 'interval', schedule_value: '5 minutes' }, 422, 'INVALID_SCHEDULE', 'schedule_value'],
      [{ schedule_type: 'interval', schedule_value: '0' }, 422, 'INVALID_SCHEDULE', 'schedule_value'],
      [{ schedule_type: 'once', schedule_value: 'tomorrow' }, 422, 'INVALID_SCHEDULE', 'schedule_value'],
      [{ schedule_type: 'cron', schedule_value: '* * * * *', timezone: 'Mars/Olympus' }, 422, 'INVALID_TIMEZONE', 'timezone'],
      [{ schedule_type: 'weekly', schedule_value: '1' }, 400, 'VALIDATION_FAILED', 'schedule_type'],
      [{ schedule_type: 'interval', schedule_value: '1h', max_runs: 0 }, 400, 'VALIDATION_FAILED', 'max_runs'],
      [{ schedule_type: 'interval', schedule_value: '1h', not_after: 'soon' }, 400, 'VALIDATION_FAILED', 'not_after'],
      [{ schedule_type: 'interval', schedule_value: '1h', not_after: '2001-01-01T00:00:00Z' }, 422, 'INVALID_NOT_AFTER', 'not_after'],
      [{ schedule_type: 'interval', schedule_value: '1h', not_after: inMs(60_000) }, 422, 'INVALID_NOT_AFTER', 'not_after'],
      [{ schedule_type: 'interval', schedule_value: '1h', chat_id: 'agent:nobody:x' }, 422, 'AGENT_NOT_FOUND', 'chat_id'],
      [{ schedule_type: 'interval', schedule_value: '1h', chat_id: 'agent:main:' }, 422, 'INVALID_SESSION_KEY', 'chat_id'],
      [{ schedule_type: 'interval', schedule_value: '1h', surprise: true }, 400, 'VALIDATION_FAILED', 'surprise'],
    ])('rejects %j with %d %s naming %s', async (patch, status, code, field) => {
      const res = await app
        .http()
        .post('/api/scheduler/tasks')
        .set(ADMIN)
        .send({ chat_id: 'agent:main:bad', prompt: 'p', ...patch });
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe(code);
      expect(res.body.detail).toContain(field);
    });

    it('answers 404 for unknown tasks and 400 for ids that are not UUIDs', async () => {
      const missing = await app.http().get('/api/scheduler/tasks/00000000-0000-4000-8000-000000000000').set(ADMIN).expect(404);
      expect(missing.body.code).toBe('TASK_NOT_FOUND');
      const bad = await app.http().post('/api/scheduler/tasks/nope/pause').set(ADMIN).expect(400);
      expect(bad.body.detail).toContain('id');
      await app.http().get('/api/scheduler/tasks?status=sleeping').set(ADMIN).expect(400);
    });

    it('needs operator.write to create and operator.read to list', async () => {
      const key = await app.http().post('/api/auth/api_keys').set(ADMIN).send({ label: 'reader', scopes: ['operator.read'] }).expect(201);
      const reader = { Authorization: `Bearer ${key.body.api_key}` };
      await app.http().get('/api/scheduler/tasks').set(reader).expect(200);
      const denied = await app
        .http()
        .post('/api/scheduler/tasks')
        .set(reader)
        .send({ chat_id: 'main', prompt: 'x', schedule_type: 'interval', schedule_value: '1h' })
        .expect(403);
      expect(denied.body.code).toBe('MISSING_SCOPE');
      await app.http().get('/api/scheduler/tasks').expect(401);
    });
  });

  describe('running tasks', () => {
    it('runs a once task at its time, logs the run and completes it', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:once', prompt: 'hello from the scheduler', schedule_type: 'once', schedule_value: inMs(300) });
      const done = await waitForTask(app, task.id, (t) => t.status === 'completed');
      expect(done).toMatchObject({ run_count: 1, next_run: null, last_error: null });
      const [run] = await taskRuns(app, task.id);
      expect(run).toMatchObject({ success: true, status: 'succeeded', attempt: 1, chat_id: 'agent:main:once' });
      expect(run.summary).toBe('Echo: hello from the scheduler');
      expect(run.duration_ms).toBeGreaterThanOrEqual(0);
      expect(new Date(run.started_at).getTime()).toBeGreaterThanOrEqual(new Date(task.next_run).getTime());
      // the prompt went into the session as a run with source scheduler
      const history = await app.http().get('/api/sessions/agent:main:once/history').set(ADMIN).expect(200);
      const texts = history.body.messages.map((m: any) => m.content.map((c: any) => c.text).join(''));
      expect(texts).toEqual(['hello from the scheduler', 'Echo: hello from the scheduler']);
      const runView = await app.http().get(`/api/runs/${run.run_id}`).set(ADMIN).expect(200);
      expect(runView.body).toMatchObject({ source: 'scheduler', source_ref: task.id });
    });

    it('runs a once task whose time already passed right away (missed run policy)', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:late', prompt: 'late', schedule_type: 'once', schedule_value: '2020-01-01T00:00:00Z' });
      await waitForTask(app, task.id, (t) => t.status === 'completed');
      expect(await taskRuns(app, task.id)).toHaveLength(1);
    });

    it('runs an interval task repeatedly, keeping its phase, and completes it after max_runs', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:interval', prompt: 'tick', schedule_type: 'interval', schedule_value: '1s', max_runs: 3 });
      const done = await waitForTask(app, task.id, (t) => t.status === 'completed', 20_000);
      expect(done.run_count).toBe(3);
      const runs = (await taskRuns(app, task.id)).reverse();
      expect(runs.map((r) => r.success)).toEqual([true, true, true]);
      const due = runs.map((r) => new Date(r.due_at).getTime());
      expect(due[1] - due[0]).toBe(1000);
      expect(due[2] - due[1]).toBe(1000);
    });

    it('runs a cron task with seconds every second and stops at not_after', async () => {
      const task = await createTask(app, {
        chat_id: 'agent:main:cron-seconds',
        prompt: 'cron tick',
        schedule_type: 'cron',
        schedule_value: '* * * * * *',
        not_after: inMs(3500),
      });
      const done = await waitForTask(app, task.id, (t) => t.status === 'completed', 20_000);
      expect(done.run_count).toBeGreaterThanOrEqual(2);
      expect(done.run_count).toBeLessThanOrEqual(4);
      const runs = await taskRuns(app, task.id);
      for (const r of runs) expect(new Date(r.due_at).getUTCMilliseconds()).toBe(0);
    });

    it('runs the tasks of one chat one after another, in due order', async () => {
      const chat = 'agent:main:ordered';
      const a = await createTask(app, { chat_id: chat, prompt: '/sleep 300', schedule_type: 'once', schedule_value: inMs(200) });
      const b = await createTask(app, { chat_id: chat, prompt: 'second', schedule_type: 'once', schedule_value: inMs(250) });
      await waitForTask(app, b.id, (t) => t.status === 'completed');
      const [ra] = await taskRuns(app, a.id);
      const [rb] = await taskRuns(app, b.id);
      expect(new Date(rb.started_at).getTime()).toBeGreaterThanOrEqual(new Date(ra.finished_at).getTime());
    });
  });

  describe('pause, resume, cancel', () => {
    it('pauses and resumes; invalid transitions answer 409 TASK_STATE_CONFLICT', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:ctl', prompt: 'p', schedule_type: 'interval', schedule_value: '1h' });
      const paused = await app.http().post(`/api/scheduler/tasks/${task.id}/pause`).set(ADMIN).expect(200);
      expect(paused.body.status).toBe('paused');
      const again = await app.http().post(`/api/scheduler/tasks/${task.id}/pause`).set(ADMIN).expect(409);
      expect(again.body).toMatchObject({ code: 'TASK_STATE_CONFLICT', status: 409 });
      expect(again.body.detail).toContain('paused');
      const resumed = await app.http().post(`/api/scheduler/tasks/${task.id}/resume`).set(ADMIN).expect(200);
      expect(resumed.body).toMatchObject({ status: 'active', next_run: task.next_run });
      await app.http().post(`/api/scheduler/tasks/${task.id}/resume`).set(ADMIN).expect(409);
      const cancelled = await app.http().post(`/api/scheduler/tasks/${task.id}/cancel`).set(ADMIN).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', next_run: null });
      for (const action of ['pause', 'resume', 'cancel']) {
        const res = await app.http().post(`/api/scheduler/tasks/${task.id}/${action}`).set(ADMIN).expect(409);
        expect(res.body.code).toBe('TASK_STATE_CONFLICT');
      }
      await app.http().post('/api/scheduler/tasks/00000000-0000-4000-8000-000000000000/pause').set(ADMIN).expect(404);
    });

    it('a paused task does not run; once resumed after its time it runs once', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:paused', prompt: 'p', schedule_type: 'once', schedule_value: inMs(400) });
      await app.http().post(`/api/scheduler/tasks/${task.id}/pause`).set(ADMIN).expect(200);
      // a sentinel due later than the paused task has run: the scheduler went past the paused one
      const sentinel = await createTask(app, { chat_id: 'agent:main:sentinel', prompt: 's', schedule_type: 'once', schedule_value: inMs(800) });
      await waitForTask(app, sentinel.id, (t) => t.status === 'completed');
      expect((await getTask(app, task.id)).run_count).toBe(0);
      await app.http().post(`/api/scheduler/tasks/${task.id}/resume`).set(ADMIN).expect(200);
      const done = await waitForTask(app, task.id, (t) => t.status === 'completed');
      expect(done.run_count).toBe(1);
    });

    it('cancelling a running task aborts its run; completed tasks cannot be cancelled', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:cancel-running', prompt: '/sleep 5000', schedule_type: 'once', schedule_value: inMs(100) });
      await waitForTask(app, task.id, (t) => t.status === 'running');
      const running = await waitFor(async () => (await taskRuns(app, task.id)).length === 0 && (await getTask(app, task.id)), 5000);
      expect(running.status).toBe('running');
      await app.http().post(`/api/scheduler/tasks/${task.id}/cancel`).set(ADMIN).expect(200);
      const runs = (await waitFor(async () => {
        const r = await taskRuns(app, task.id);
        return r.length ? r : undefined;
      }, 10_000))!;
      expect(runs[0]).toMatchObject({ success: false, status: 'aborted' });
      expect((await getTask(app, task.id)).status).toBe('cancelled');
      const once = await createTask(app, { chat_id: 'agent:main:c2', prompt: 'x', schedule_type: 'once', schedule_value: inMs(0) });
      await waitForTask(app, once.id, (t) => t.status === 'completed');
      const res = await app.http().post(`/api/scheduler/tasks/${once.id}/cancel`).set(ADMIN).expect(409);
      expect(res.body.detail).toContain('completed');
    });

    it('lockdown pauses claiming; lifting it lets due tasks run', async () => {
      // created before the lockdown (which refuses writes), due shortly after it begins
      const task = await createTask(app, { chat_id: 'agent:main:lockdown', prompt: 'x', schedule_type: 'once', schedule_value: inMs(1500) });
      await app.http().post('/api/admin/lockdown').set(ADMIN).send({ reason: 'drill' }).expect(200);
      try {
        const due = new Date(task.next_run).getTime();
        // ticks after the due time saw the lockdown and claimed nothing
        await waitFor(async () => {
          const stats = (await app.http().get('/api/scheduler/stats').set(ADMIN).expect(200)).body.replica;
          return stats.paused_by_lockdown && new Date(stats.last_tick_at).getTime() > due + 200;
        }, 10_000);
        expect(await getTask(app, task.id)).toMatchObject({ status: 'active', run_count: 0 });
        const health = await app.http().get('/api/health').set(ADMIN).expect(200);
        expect(health.body.scheduler.paused_by_lockdown).toBe(true);
        await app.http().delete('/api/admin/lockdown').set(ADMIN).expect(200);
        await waitForTask(app, task.id, (t) => t.status === 'completed');
      } finally {
        await app.http().delete('/api/admin/lockdown').set(ADMIN);
      }
    });

    it('deletes a task', async () => {
      const task = await createTask(app, { chat_id: 'agent:main:del', prompt: 'x', schedule_type: 'interval', schedule_value: '1h' });
      await app.http().delete(`/api/scheduler/tasks/${task.id}`).set(ADMIN).expect(200, { deleted: true });
      await app.http().get(`/api/scheduler/tasks/${task.id}`).set(ADMIN).expect(404);
    });
  });
});

describe('scheduler: organizations', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: FAST_SCHEDULER_ENV });
  }, 60_000);
  afterAll(() => app?.close());

  it("keeps each organization's tasks and DLQ to itself, and pauses a locked organization's tasks", async () => {
    const org = await app.http().post('/api/orgs').set(ADMIN).send({ slug: 'acme', name: 'Acme' }).expect(201);
    const acme = { Authorization: `Bearer ${org.body.admin_api_key.api_key}` };
    const mine = await createTask(app, { chat_id: 'agent:main:default-only', prompt: 'x', schedule_type: 'interval', schedule_value: '1h' });
    const theirs = await app
      .http()
      .post('/api/scheduler/tasks')
      .set(acme)
      .send({ chat_id: 'agent:main:acme', prompt: 'acme work', schedule_type: 'once', schedule_value: inMs(1500) })
      .expect(201);
    // neither sees the other's task
    await app.http().get(`/api/scheduler/tasks/${mine.id}`).set(acme).expect(404);
    await app.http().post(`/api/scheduler/tasks/${mine.id}/pause`).set(acme).expect(404);
    await app.http().get(`/api/scheduler/tasks/${theirs.body.id}`).set(ADMIN).expect(404);
    const listed = await app.http().get('/api/scheduler/tasks').set(acme).expect(200);
    expect(listed.body.items.map((t: any) => t.id)).toEqual([theirs.body.id]);

    await app.http().post(`/api/orgs/${org.body.id}/lock`).set(ADMIN).send({ reason: 'audit' }).expect((res) => expect(res.status).toBeLessThan(300));
    // a default-org task due after acme's has run: the scheduler went past acme's due time without running it
    const sentinel = await createTask(app, { chat_id: 'agent:main:org-sentinel', prompt: 's', schedule_type: 'once', schedule_value: inMs(2000) });
    await waitForTask(app, sentinel.id, (t) => t.status === 'completed');
    const ds = app.app.get(DataSource);
    const [row] = await ds.query(`SELECT status, run_count FROM scheduled_tasks WHERE id = $1`, [theirs.body.id]);
    expect(row).toEqual({ status: 'active', run_count: 0 });
    await app.http().delete(`/api/orgs/${org.body.id}/lock`).set(ADMIN).expect((res) => expect(res.status).toBeLessThan(300));
    await waitFor(async () => (await ds.query(`SELECT status FROM scheduled_tasks WHERE id = $1`, [theirs.body.id]))[0].status === 'completed', 15_000);
    const [run] = await ds.query(`SELECT organization_id, success FROM task_runs WHERE task_id = $1`, [theirs.body.id]);
    expect(run).toEqual({ organization_id: org.body.id, success: true });

    // DLQ entries are the organization's own, even for the same chat_id
    const failing = await app
      .http()
      .post('/api/scheduler/tasks')
      .set(acme)
      .send({ chat_id: 'agent:main:shared-name', prompt: '/fail acme only', schedule_type: 'once', schedule_value: inMs(0) })
      .expect(201);
    await waitFor(async () => (await ds.query(`SELECT status FROM scheduled_tasks WHERE id = $1`, [failing.body.id]))[0].status === 'failed', 15_000);
    const theirDlq = await app.http().get('/api/scheduler/dlq?chat_id=agent:main:shared-name').set(acme).expect(200);
    expect(theirDlq.body.total).toBe(1);
    const ourDlq = await app.http().get('/api/scheduler/dlq?chat_id=agent:main:shared-name').set(ADMIN).expect(200);
    expect(ourDlq.body.total).toBe(0);
    const replayed = await app.http().post('/api/scheduler/dlq/replay').set(ADMIN).send({ chat_id: 'agent:main:shared-name' }).expect(200);
    expect(replayed.body).toEqual({ replayed: [], skipped: [] });
  });
});
