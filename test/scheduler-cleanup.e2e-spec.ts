import { DataSource } from 'typeorm';
import { ADMIN, FAST_SCHEDULER_ENV } from './support/scheduler-helpers';
import { startTestApp, TestApp, waitFor } from './support/test-app';

const ADMIN_EMAIL = 'cleanup@example.com';
const ADMIN_PASSWORD = 'Cleanup-drill-pass-42';

describe('scheduler: cleanup jobs', () => {
  let app: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    app = await startTestApp({
      env: { ...FAST_SCHEDULER_ENV, ADMIN_EMAIL, ADMIN_PASSWORD, AUDIT_RETENTION_DAYS: '5', CLEANUP_DEAD_CREDENTIALS_DAYS: '30', TASK_RUN_RETENTION_DAYS: '30' },
    });
    ds = app.app.get(DataSource);
  }, 60_000);
  afterAll(() => app?.close());

  const runJob = async (name: string) => (await app.http().post(`/api/scheduler/jobs/${name}/run`).set(ADMIN).expect(201)).body;

  it('every job runs once at start-up on one replica and reports in /api/health', async () => {
    const health = await waitFor(
      async () => {
        const res = await app.http().get('/api/health').set(ADMIN).expect(200);
        const jobs = res.body.cleanup?.jobs ?? {};
        return Object.values(jobs).length === 6 && Object.values(jobs).every((j: any) => j.last_run_at) ? res.body : undefined;
      },
      15_000,
      'the first cleanup round',
    );
    expect(Object.keys(health.cleanup.jobs).sort()).toEqual(['api_keys', 'audit_log', 'browser_sessions', 'metrics_history', 'task_runs', 'webhook_deliveries']);
    for (const job of Object.values(health.cleanup.jobs) as any[]) {
      expect(job).toMatchObject({ last_error: null, failures: 0, runs: 1 });
      expect(new Date(job.next_run_at).getTime()).toBeGreaterThan(Date.now() + 30 * 60_000); // hourly by default
    }
    expect(health.scheduler).toMatchObject({ running: true, enabled: true, dlq_pending: 0, lag_seconds: 0 });
    // unauthenticated callers see no details
    const anon = await app.http().get('/api/health').expect(200);
    expect(anon.body.cleanup).toBeUndefined();
  });

  it('deletes API keys dead for longer than CLEANUP_DEAD_CREDENTIALS_DAYS, keeps the rest', async () => {
    const mk = async (label: string) => (await app.http().post('/api/auth/api_keys').set(ADMIN).send({ label, scopes: ['operator.read'] }).expect(201)).body.id;
    const oldRevoked = await mk('old-revoked');
    const oldExpired = await mk('old-expired');
    const freshRevoked = await mk('fresh-revoked');
    const live = await mk('live');
    await ds.query(`UPDATE api_keys SET revoked_at = now() - interval '40 days' WHERE id = $1`, [oldRevoked]);
    await ds.query(`UPDATE api_keys SET expires_at = now() - interval '31 days' WHERE id = $1`, [oldExpired]);
    await ds.query(`UPDATE api_keys SET revoked_at = now() - interval '2 days' WHERE id = $1`, [freshRevoked]);
    const status = await runJob('api_keys');
    expect(status).toMatchObject({ name: 'api_keys', last_count: 2, last_error: null });
    const left = (await ds.query(`SELECT id FROM api_keys WHERE id = ANY($1::uuid[])`, [[oldRevoked, oldExpired, freshRevoked, live]])).map((r: any) => r.id);
    expect(left.sort()).toEqual([freshRevoked, live].sort());
  });

  it('deletes browser sessions dead for longer than the retention', async () => {
    const login = await app.http().post('/api/auth/login').send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect([login.status, login.body.ok]).toEqual([200, true]);
    const [{ n: before }] = await ds.query(`SELECT count(*)::int AS n FROM browser_sessions`);
    expect(before).toBeGreaterThanOrEqual(1);
    await ds.query(`UPDATE browser_sessions SET expires_at = now() - interval '45 days'`);
    expect((await runJob('browser_sessions')).last_count).toBe(before);
    const [{ n: after }] = await ds.query(`SELECT count(*)::int AS n FROM browser_sessions`);
    expect(after).toBe(0);
  });

  it('deletes old scheduler run logs and settled DLQ entries, keeps pending ones', async () => {
    const [{ id: org }] = await ds.query(`SELECT id FROM organizations WHERE slug = 'default'`);
    const task = '00000000-0000-4000-8000-00000000aaaa';
    const insertRun = (age: string) =>
      ds.query(
        `INSERT INTO task_runs (organization_id, task_id, chat_id, due_at, started_at, finished_at, duration_ms, success, status)
         VALUES ($1, $2, 'agent:main:old', now() - $3::interval, now() - $3::interval, now() - $3::interval, 5, false, 'failed') RETURNING id`,
        [org, task, age],
      );
    await insertRun('40 days');
    await insertRun('1 day');
    const insertDlq = (age: string, status: string) =>
      ds.query(
        `INSERT INTO task_dlq (organization_id, task_id, chat_id, failed_at, started_at, finished_at, duration_ms, error_summary, status)
         VALUES ($1, $2, 'agent:main:old', now() - $3::interval, now() - $3::interval, now() - $3::interval, 5, 'boom', $4)`,
        [org, task, age, status],
      );
    await insertDlq('40 days', 'replayed');
    await insertDlq('40 days', 'pending');
    expect((await runJob('task_runs')).last_count).toBe(2);
    const runs = await ds.query(`SELECT count(*)::int AS n FROM task_runs WHERE task_id = $1`, [task]);
    const entries = await ds.query(`SELECT status FROM task_dlq WHERE task_id = $1`, [task]);
    expect(runs[0].n).toBe(1);
    expect(entries).toEqual([{ status: 'pending' }]); // a pending failure is never lost to retention
  });

  it('audit retention deletes old rows and the chain still verifies from the checkpoint', async () => {
    const [{ max }] = await ds.query(`SELECT max(seq)::text AS max FROM audit_log`);
    // age the oldest half of the log (their own hashes no longer matter: they are purged)
    const cut = String(Math.max(1, Math.floor(Number(max) / 2)));
    await ds.query(`UPDATE audit_log SET created_at = now() - interval '10 days' WHERE seq <= $1`, [cut]);
    const status = await runJob('audit_log');
    expect(status.last_count).toBe(Number(cut));
    const [{ min }] = await ds.query(`SELECT min(seq)::text AS min FROM audit_log`);
    expect(Number(min)).toBe(Number(cut) + 1);
    const verify = await app.http().get('/api/audit/verify').set(ADMIN).expect(200);
    expect(verify.body.ok).toBe(true);
    const purge = await app.http().get('/api/audit?action=audit.retention_purge').set(ADMIN).expect(200);
    expect(purge.body.items[0]?.details).toMatchObject({ deleted: Number(cut), first_kept_seq: String(Number(cut) + 1) });
    // tampering after the checkpoint is still caught
    await ds.query(`DELETE FROM audit_log WHERE seq = $1`, [String(Number(cut) + 1)]);
    const broken = await app.http().get('/api/audit/verify').set(ADMIN).expect(200);
    expect(broken.body.ok).toBe(false);
  });

  it('answers 404 for unknown jobs and needs operator.admin to run one', async () => {
    const res = await app.http().post('/api/scheduler/jobs/everything/run').set(ADMIN).expect(404);
    expect(res.body.code).toBe('JOB_NOT_FOUND');
    expect(res.body.detail).toContain('api_keys');
    const key = await app.http().post('/api/auth/api_keys').set(ADMIN).send({ label: 'w', scopes: ['operator.write'] }).expect(201);
    await app.http().post('/api/scheduler/jobs/api_keys/run').set({ Authorization: `Bearer ${key.body.api_key}` }).expect(403);
    const list = await app.http().get('/api/scheduler/jobs').set(ADMIN).expect(200);
    expect(list.body.items.map((j: any) => j.name)).toContain('webhook_deliveries');
  });
});

describe('scheduler: audit retention off by default', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: FAST_SCHEDULER_ENV });
  }, 60_000);
  afterAll(() => app?.close());

  it('keeps every audit row when AUDIT_RETENTION_DAYS is 0', async () => {
    const ds = app.app.get(DataSource);
    await ds.query(`UPDATE audit_log SET created_at = now() - interval '3650 days'`);
    const [{ n: before }] = await ds.query(`SELECT count(*)::int AS n FROM audit_log`);
    const status = (await app.http().post('/api/scheduler/jobs/audit_log/run').set(ADMIN).expect(201)).body;
    expect(status).toMatchObject({ last_count: null, last_error: null });
    const [{ n: after }] = await ds.query(`SELECT count(*)::int AS n FROM audit_log`);
    expect(after).toBeGreaterThanOrEqual(before);
  });
});
