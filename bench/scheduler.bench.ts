/**
 * Scheduler benchmark: scheduled tasks claimed and run per second.
 *
 * - 1 instance: BENCH_SCHEDULER_TASKS `once` tasks (default 300, over 30
 *   chats) fall due at the same moment; the clock runs until every one is
 *   completed (claimed with a lease, run through the echo agent, run log
 *   written). Baseline, same run and same instance: the same number of echo
 *   runs driven directly through RunsService with the same concurrency
 *   (SCHEDULER_MAX_CONCURRENCY) — the ratio is what claiming, leases and
 *   bookkeeping cost on top of the runs themselves.
 * - 3 instances (only with BENCH_DATABASE_URL or TEST_DATABASE_URL, a
 *   PostgreSQL server: embedded PGlite serves one process): the same batch on
 *   three service processes (dist/src/main.js, as replicas run) sharing one
 *   fresh database; baseline = one such process on that same database in the
 *   same run, so the ratio is the scaling factor (on one host it is bounded by
 *   its CPU cores, which the processes share with PostgreSQL).
 *
 * Environment: BENCH_SCHEDULER_TASKS (300), BENCH_SCHEDULER_CONCURRENCY (8),
 * BENCH_DATA_DIR (embedded: a temp dir on disk by default), BENCH_DATABASE_URL.
 */
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppHandle, createApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { RunsService } from '../src/modules/runtime/runs.service';
import {
  asSystem,
  BENCH_ENCRYPTION_KEY,
  BENCH_SESSION_SECRET,
  type BenchResult,
  benchEnv,
  freePort,
  round,
  runIfMain,
  serviceMain,
  spawnNode,
  stopChild,
  waitForUrl,
} from './support';

const TASKS = Number(process.env.BENCH_SCHEDULER_TASKS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_SCHEDULER_CONCURRENCY ?? 8);
const CHATS = 30;
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

function env(extra: Record<string, string>): Record<string, string> {
  return benchEnv({
    SCHEDULER_TICK_MS: '50',
    SCHEDULER_MAX_CONCURRENCY: String(CONCURRENCY),
    DB_POOL_SIZE: '12',
    ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
    SESSION_SECRET: BENCH_SESSION_SECRET,
    ...extra,
  });
}

type Query = (sql: string, params?: unknown[]) => Promise<any[]>;

const viaDataSource = (ds: DataSource): Query => (sql, params) => ds.query(sql, params);

async function defaultOrg(query: Query): Promise<string> {
  return (await query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
}

/** Inserts `count` tasks due now (one statement) and waits until all completed; tasks per second. */
async function scheduledBatch(query: Query, label: string, count: number): Promise<number> {
  const org = await defaultOrg(query);
  const t0 = performance.now();
  await query(
    `INSERT INTO scheduled_tasks (organization_id, chat_id, prompt, schedule_type, schedule_value, timezone, next_run, status)
     SELECT $1, 'agent:main:' || $2 || '-' || (g % $4), 'bench ' || g, 'once', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'UTC', now(), 'active'
       FROM generate_series(1, $3) AS g`,
    [org, label, count, CHATS],
  );
  const like = `agent:main:${label}-%`;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const [{ done, failed }] = await query(
      `SELECT count(*) FILTER (WHERE status = 'completed')::int AS done, count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM scheduled_tasks WHERE chat_id LIKE $1`,
      [like],
    );
    if (failed > 0) throw new Error(`${failed} scheduled task(s) failed in batch ${label}`);
    if (done === count) break;
    if (Date.now() > deadline) throw new Error(`batch ${label}: only ${done} of ${count} tasks completed in 10 minutes`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const [{ dup }] = await query(
    `SELECT count(*)::int AS dup FROM (SELECT task_id FROM task_runs WHERE chat_id LIKE $1 GROUP BY task_id HAVING count(*) <> 1) d`,
    [like],
  );
  if (dup > 0) throw new Error(`batch ${label}: ${dup} task(s) ran more than once`);
  return count / seconds;
}

/** The same number of echo runs through RunsService directly, CONCURRENCY at a time; runs per second. */
async function directRuns(handle: AppHandle, count: number): Promise<number> {
  const runs = handle.app.get(RunsService);
  const org = await defaultOrg(viaDataSource(handle.app.get(DataSource)));
  let next = 0;
  const t0 = performance.now();
  await asSystem(org, () =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        for (let i = next++; i < count; i = next++) {
          const { runId } = await runs.start({ sessionKey: `agent:main:direct-${worker}`, message: `bench ${i}`, source: 'rest' });
          const view = await runs.waitForTerminal(runId, 60_000);
          if (view.status !== 'succeeded') throw new Error(`direct run ${runId} ended ${view.status}`);
        }
      }),
    ),
  );
  return count / ((performance.now() - t0) / 1000);
}

async function withScratchDatabase<T>(base: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `cc_bench_sched_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    const c = new Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await c.end();
  }
}

async function oneInstance(): Promise<BenchResult> {
  const ownDir = PG_URL || process.env.BENCH_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'cc-bench-scheduler-'));
  const where = PG_URL ? 'PostgreSQL' : 'embedded PGlite';
  const run = async (dbEnv: Record<string, string>) => {
    const handle = await createApp(AppConfig.load(env(dbEnv)));
    await handle.app.init();
    try {
      const query = viaDataSource(handle.app.get(DataSource));
      await scheduledBatch(query, 'warmup', Math.min(30, TASKS)); // JIT, caches, the pool
      const scheduled = await scheduledBatch(query, 'one', TASKS);
      const direct = await directRuns(handle, TASKS);
      return { scheduled, direct };
    } finally {
      await handle.shutdown('bench');
    }
  };
  try {
    const r = PG_URL
      ? await withScratchDatabase(PG_URL, (url) => run({ DATABASE_URL: url }))
      : await run({ DATA_DIR: process.env.BENCH_DATA_DIR ?? join(ownDir!, 'data') });
    return {
      name: `scheduler: tasks claimed and run/s, 1 instance (${TASKS} due at once, ${CHATS} chats, concurrency ${CONCURRENCY}, ${where})`,
      value: round(r.scheduled),
      unit: 'tasks/s',
      baseline: `the same number of echo runs started directly through RunsService, ${CONCURRENCY} at a time, same instance, same run`,
      baselineValue: round(r.direct),
      ratio: round(r.scheduled / r.direct, 3),
      goal: 'ratio ≥ 0.5',
    };
  } finally {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  }
}

/** The built service (`node dist/src/main.js`) as a child process on a free port, ready when /healthz answers. */
async function startProcess(extra: Record<string, string>): Promise<ChildProcess> {
  const port = await freePort();
  const service = spawnNode([serviceMain()], { ...env(extra), PORT: String(port) });
  await waitForUrl(`http://127.0.0.1:${port}/healthz`, service);
  return service.child;
}

/**
 * 1 vs 3 service processes (separate processes, as replicas run) on one fresh
 * PostgreSQL database; the batches are inserted and watched from this process.
 */
async function threeInstances(base: string): Promise<BenchResult> {
  return withScratchDatabase(base, async (url) => {
    const client = new Client({ connectionString: url });
    const children: ChildProcess[] = [];
    try {
      children.push(await startProcess({ DATABASE_URL: url })); // applies the migrations
      await client.connect();
      const query: Query = async (sql, params) => (await client.query(sql, params as unknown[])).rows;
      await scheduledBatch(query, 'warmup1', Math.min(30, TASKS));
      const one = await scheduledBatch(query, 'single', TASKS);
      children.push(await startProcess({ DATABASE_URL: url }), await startProcess({ DATABASE_URL: url }));
      await scheduledBatch(query, 'warmup3', Math.min(60, TASKS));
      const three = await scheduledBatch(query, 'three', TASKS);
      return {
        name: `scheduler: tasks claimed and run/s, 3 service processes on one PostgreSQL (${TASKS} due at once, concurrency ${CONCURRENCY} each)`,
        value: round(three),
        unit: 'tasks/s',
        baseline: '1 service process on the same database, same batch size, same run',
        baselineValue: round(one),
        ratio: round(three / one, 3),
        goal: `ratio > 1 (bounded by the host's ${cpus().length} CPU cores, shared by the processes and PostgreSQL)`,
      };
    } finally {
      await client.end().catch(() => undefined);
      for (const child of children) await stopChild(child);
    }
  });
}

export async function run(): Promise<BenchResult[]> {
  const results = [await oneInstance()];
  if (PG_URL) results.push(await threeInstances(PG_URL));
  else console.warn('scheduler bench: 3-instance run skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server');
  return results;
}

runIfMain(module, run, (results) => console.table(results));
