import { DataSource } from 'typeorm';
import { DatabaseEndpoint } from '../src/database/database-endpoint';
import { FAST_SCHEDULER_ENV } from './support/scheduler-helpers';
import { findPgBinDir, PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { createScratchDatabase } from './support/test-db';
import { startTestApp, TestApp, waitFor } from './support/test-app';

/**
 * Three service instances on one PostgreSQL claim and run 500 due tasks:
 * every task runs exactly once (no duplicates, no misses). Needs a real
 * PostgreSQL: TEST_DATABASE_URL, or a private server when initdb is installed.
 * Embedded PGlite serves one process only, so without either the test is skipped.
 */
const canRun = !!process.env.TEST_DATABASE_URL || !!findPgBinDir();
if (!canRun) {
  console.warn('scheduler-cluster: skipped: needs PostgreSQL (set TEST_DATABASE_URL or install initdb/pg_ctl); embedded PGlite is single-process');
}
const describeCluster = canRun ? describe : describe.skip;

const TASKS = 500;
const CHATS = 50;
const INSTANCES = 3;

describeCluster('scheduler: three instances on one PostgreSQL', () => {
  let privatePg: PrivatePostgres | undefined;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    let url: string;
    if (process.env.TEST_DATABASE_URL) {
      scratch = (await createScratchDatabase())!;
      url = scratch.url;
    } else {
      privatePg = await startPrivatePostgres();
      url = privatePg.url;
    }
    const endpoint: DatabaseEndpoint = { url, embedded: false, stop: async () => {} };
    for (let i = 0; i < INSTANCES; i++) {
      apps.push(
        await startTestApp({
          endpoint,
          env: { ...FAST_SCHEDULER_ENV, DATABASE_URL: url, SCHEDULER_MAX_CONCURRENCY: '8', DB_POOL_SIZE: '12', SCHEDULER_LEASE_MS: '10000' },
        }),
      );
    }
  }, 180_000);

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => {});
    await scratch?.drop().catch(() => {});
    await privatePg?.destroy();
  });

  it(`runs ${TASKS} due tasks exactly once each`, async () => {
    const ds = apps[0].app.get(DataSource);
    const [{ id: org }] = await ds.query(`SELECT id FROM organizations WHERE slug = 'default'`);
    // all due at once, in one statement, so the instances race for them
    await ds.query(
      `INSERT INTO scheduled_tasks (organization_id, chat_id, prompt, schedule_type, schedule_value, timezone, next_run, status)
       SELECT $1, 'agent:main:cluster-' || (g % $3), 'task ' || g, 'once', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'UTC', now(), 'active'
         FROM generate_series(1, $2) AS g`,
      [org, TASKS, CHATS],
    );
    const started = Date.now();
    await waitFor(
      async () => {
        const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM scheduled_tasks WHERE status = 'completed'`);
        const [{ failed }] = await ds.query(`SELECT count(*)::int AS failed FROM scheduled_tasks WHERE status = 'failed'`);
        if (failed > 0) throw new Error(`${failed} task(s) failed`);
        return n === TASKS;
      },
      240_000,
      `${TASKS} tasks to complete`,
    );
    const seconds = (Date.now() - started) / 1000;

    const perTask: { task_id: string; n: number; ok: number }[] = await ds.query(
      `SELECT t.id AS task_id, count(r.id)::int AS n, count(r.id) FILTER (WHERE r.success)::int AS ok
         FROM scheduled_tasks t LEFT JOIN task_runs r ON r.task_id = t.id GROUP BY t.id`,
    );
    expect(perTask).toHaveLength(TASKS);
    expect(perTask.filter((r) => r.n !== 1 || r.ok !== 1)).toEqual([]); // zero duplicates, zero misses
    const runsPerTask: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM runs WHERE source = 'scheduler' GROUP BY source_ref HAVING count(*) <> 1`,
    );
    expect(runsPerTask).toEqual([]); // exactly one agent run per task
    const [{ runs }] = await ds.query(`SELECT count(*)::int AS runs FROM runs WHERE source = 'scheduler' AND status = 'succeeded'`);
    expect(runs).toBe(TASKS);
    const byRunner: { runner: string; n: number }[] = await ds.query(`SELECT runner, count(*)::int AS n FROM task_runs GROUP BY runner`);
    expect(byRunner.length).toBeGreaterThanOrEqual(2); // the work was shared
    // each chat's tasks ran one at a time per replica and never overlapped on one replica
    const overlaps: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM task_runs a JOIN task_runs b
          ON a.chat_id = b.chat_id AND a.runner = b.runner AND a.id < b.id
         AND a.started_at < b.finished_at AND b.started_at < a.finished_at`,
    );
    expect(overlaps[0].n).toBe(0);
    console.log(`scheduler-cluster: ${TASKS} tasks on ${INSTANCES} instances in ${seconds.toFixed(1)} s; per runner: ${byRunner.map((r) => r.n).join(', ')}`);
  }, 300_000);
});
