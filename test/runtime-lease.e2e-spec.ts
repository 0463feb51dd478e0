import { DataSource } from 'typeorm';
import { REQUEUED_NOTE } from '../src/modules/runtime/runs.repository';
import { ADMIN, defaultOrgId, getRun, history, send, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('leases and the sweep: nothing stays stuck', () => {
  let app: TestApp;
  let db: DataSource;
  let org: string;
  beforeAll(async () => {
    app = await startTestApp({ env: { RUN_SWEEP_INTERVAL_MS: '200', RUN_LEASE_MS: '1500' } });
    db = app.app.get(DataSource);
    org = await defaultOrgId(app);
    await app.http().get('/api/agents').set(ADMIN).expect(200);
  });
  afterAll(() => app.close());

  it('a running run whose replica stopped heartbeating is failed once its lease expires; queued runs behind it then start', async () => {
    const key = 'agent:main:orphan';
    await app.http().post('/api/sessions').set(ADMIN).send({ name: 'orphan' }).expect(201);
    // A run another (now dead) replica was executing, and one queued behind it.
    const [orphan] = await db.query(
      `INSERT INTO runs (organization_id, session_key, status, source, input, timeout_ms, started_at, lease_owner, lease_expires_at, event_seq)
       VALUES ($1, $2, 'running', 'rest', '{"message":"lost"}', 60000, now(), 'replica:dead', now() + interval '1 second', 7) RETURNING id`,
      [org, key],
    );
    // It had started work: its prompt is in the transcript (a model may have been called).
    await db.query(
      `INSERT INTO messages (organization_id, session_key, seq, role, content, run_id) VALUES ($1, $2, 1, 'user', $3::jsonb, $4)`,
      [org, key, JSON.stringify([{ type: 'text', text: 'lost' }]), orphan.id],
    );
    const waiting = await send(app, key, { message: 'behind the orphan' });
    expect(waiting.status).toBe('queued');
    const failed = await waitForRun(app, orphan.id, ['failed'], 10_000);
    expect(failed.error).toMatch(/^interrupted: the replica executing the run stopped heartbeating/);
    expect((await waitForRun(app, waiting.run_id)).status).toBe('succeeded');
    expect((await history(app, key)).messages.map((m: any) => m.content[0].text)).toEqual([
      'lost',
      'behind the orphan',
      'Echo: behind the orphan',
    ]);
  });

  it('a run interrupted before it started work goes back to the queue and runs once, in its place', async () => {
    const key = 'agent:main:untouched';
    await app.http().post('/api/sessions').set(ADMIN).send({ name: 'untouched' }).expect(201);
    // Claimed by a replica that died before appending the prompt: nothing was sent to any model.
    const [untouched] = await db.query(
      `INSERT INTO runs (organization_id, session_key, status, source, input, timeout_ms, started_at, lease_owner, lease_expires_at, created_at)
       VALUES ($1, $2, 'running', 'webhook', '{"message":"first"}', 60000, now(), 'replica:dead', now() + interval '1 second', now() - interval '1 minute') RETURNING id`,
      [org, key],
    );
    const behind = await send(app, key, { message: 'second' });
    expect(behind.status).toBe('queued');
    expect(await waitForRun(app, untouched.id)).toMatchObject({ status: 'succeeded', error: null });
    expect((await history(app, key)).messages.filter((m: any) => m.run_id === untouched.id)).toHaveLength(2);
    expect((await waitForRun(app, behind.run_id)).status).toBe('succeeded');
    expect((await history(app, key)).messages.map((m: any) => m.content[0].text)).toEqual([
      'first',
      'Echo: first',
      'second',
      'Echo: second',
    ]);
  });

  it('a run interrupted before work a second time is failed, not queued again (no crash loop)', async () => {
    const key = 'agent:main:requeued-once';
    await app.http().post('/api/sessions').set(ADMIN).send({ name: 'requeued-once' }).expect(201);
    const [again] = await db.query(
      `INSERT INTO runs (organization_id, session_key, status, source, input, timeout_ms, started_at, lease_owner, lease_expires_at, error)
       VALUES ($1, $2, 'running', 'rest', '{"message":"again"}', 60000, now(), 'replica:dead', now() + interval '1 second', $3) RETURNING id`,
      [org, key, REQUEUED_NOTE],
    );
    const failed = await waitForRun(app, again.id, ['failed', 'succeeded'], 10_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^interrupted: the replica executing the run stopped heartbeating/);
  });

  it('a queued run with nothing running (its starter died before starting it) is started by the sweep', async () => {
    const key = 'agent:main:stranded';
    await app.http().post('/api/sessions').set(ADMIN).send({ name: 'stranded' }).expect(201);
    const [stranded] = await db.query(
      `INSERT INTO runs (organization_id, session_key, status, source, input, timeout_ms) VALUES ($1, $2, 'queued', 'scheduler', '{"message":"stranded"}', 60000) RETURNING id`,
      [org, key],
    );
    const run = await waitForRun(app, stranded.id);
    expect(run).toMatchObject({ status: 'succeeded', source: 'scheduler' });
  });

  it('a running run keeps its lease alive while it runs longer than the lease', async () => {
    const r = await send(app, 'agent:main:long-run', { message: '/sleep 3500' });
    const run = await waitForRun(app, r.run_id);
    expect(run.status).toBe('succeeded');
    expect((await getRun(app, r.run_id)).error).toBeNull();
  });
});
