/**
 * Webhooks benchmark: durable ingests per second — signed 2 KiB JSON payloads,
 * 32 concurrent clients (autocannon), rate limits lifted — and their p99
 * latency, beside the single-row INSERT rate of the same database measured in
 * the same run (32 concurrent INSERTs of the same row shape through the same
 * connection pool). Each 202 means the delivery row is committed.
 *
 * autocannon runs in a worker thread so that generating load does not steal the
 * event loop of the server (which, in embedded mode, also runs the database).
 * The app runs with WEBHOOK_WORKER_CONCURRENCY=0 (an ingest-only replica) so
 * the number is the ingest path itself, not ingest competing with run
 * processing for the single embedded connection.
 *
 * Environment: BENCH_WEBHOOKS_DURATION_S (default 10), BENCH_WEBHOOKS_CONNECTIONS
 * (32), BENCH_DATA_DIR (default: a temp dir on disk; `memory://` for RAM),
 * BENCH_DATABASE_URL (PostgreSQL instead of the embedded database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { signBody } from '../src/modules/webhooks/ingest/signature';
import { WebhooksService } from '../src/modules/webhooks/webhooks.service';
import {
  asSystem,
  autocannon,
  BENCH_ENCRYPTION_KEY,
  BENCH_SESSION_SECRET,
  type BenchResult,
  benchEnv,
  defaultOrgId,
  listen,
  percentile,
  round,
  runIfMain,
} from './support';

const DURATION_S = Number(process.env.BENCH_WEBHOOKS_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_WEBHOOKS_CONNECTIONS ?? 32);
const SECRET = 'bench-webhook-secret-5f2c9a71';

/** A JSON body of exactly 2048 bytes. */
function payload2KiB(): Buffer {
  const head = '{"action":"completed","workflow_run":{"id":123456,"name":"ci","status":"completed"},"padding":"';
  const tail = '"}';
  return Buffer.from(head + 'x'.repeat(2048 - head.length - tail.length) + tail);
}

/** Single-row INSERTs of the same row shape, CONNECTIONS at a time, for DURATION_S. */
async function insertRate(ds: DataSource, orgId: string, webhookId: string, body: Buffer): Promise<{ perSec: number; p99: number }> {
  const headers = JSON.stringify({ 'content-type': 'application/json', 'user-agent': 'bench', 'x-github-event': 'workflow_run' });
  const latencies: number[] = [];
  const deadline = performance.now() + DURATION_S * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await ds.query(
          `INSERT INTO webhook_deliveries (organization_id, webhook_id, idempotency_key, headers, payload, payload_bytes, source_ip, status)
           VALUES ($1, $2, NULL, $3, $4, $5, '127.0.0.1', 'failed')`,
          [orgId, webhookId, headers, body, body.length],
        );
        latencies.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSec: latencies.length / seconds, p99: percentile(latencies, 99) };
}

export async function run(): Promise<BenchResult[]> {
  const ownDir = process.env.BENCH_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'cc-bench-webhooks-'));
  const config = AppConfig.load(
    benchEnv({
      DATA_DIR: process.env.BENCH_DATA_DIR ?? join(ownDir!, 'data'),
      ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
      WEBHOOK_WORKER_CONCURRENCY: '0',
      ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
      SESSION_SECRET: BENCH_SESSION_SECRET,
    }),
  );
  const handle = await createApp(config);
  const base = await listen(handle);
  try {
    const ds = handle.app.get(DataSource);
    const orgId = await defaultOrgId(ds);
    const hook = await asSystem(orgId, () =>
      handle.app.get(WebhooksService).create({ name: `bench-${Date.now()}`, session_key: 'agent:main:bench', secret: SECRET }),
    );
    const body = payload2KiB();
    const request = {
      url: `${base}/api/webhooks/${hook.id}/ingest`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run', 'x-hub-signature-256': signBody(SECRET, body) },
      body: body.toString('utf8'),
      connections: CONNECTIONS,
      // The load generator gets its own thread: the server and the embedded database share the main one.
      workers: 1,
    };
    await autocannon({ ...request, duration: 2 }); // warm-up: JIT, caches, the pool
    const ingest = await autocannon({ ...request, duration: DURATION_S });
    if (ingest.non2xx > 0 || ingest.errors > 0) throw new Error(`ingest: ${ingest.non2xx} non-2xx answers, ${ingest.errors} errors`);
    const stored = Number((await ds.query(`SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'accepted'`, [hook.id]))[0].n);
    if (stored < ingest.requests.total) throw new Error(`only ${stored} of ${ingest.requests.total} acknowledged deliveries are in the table`);

    const inserts = await insertRate(ds, orgId, hook.id, body);
    const where = process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : config.env.DATA_DIR === 'memory://' ? 'embedded, in memory' : 'embedded, on disk';
    const baseline = `single-row INSERT of the same row, ${CONNECTIONS} concurrent, same database (${where}), same run`;
    return [
      {
        name: `webhooks: durable ingests/s (signed 2 KiB, ${CONNECTIONS} clients, ${DURATION_S} s)`,
        value: round(ingest.requests.average),
        unit: 'ingests/s',
        baseline,
        baselineValue: round(inserts.perSec),
        ratio: round(ingest.requests.average / inserts.perSec, 3),
        goal: 'ratio ≥ 0.5',
      },
      {
        name: `webhooks: ingest p99 latency (${CONNECTIONS} clients)`,
        value: round(ingest.latency.p99),
        unit: 'ms',
        baseline: 'p99 of the single-row INSERT above',
        baselineValue: round(inserts.p99),
        ratio: round(ingest.latency.p99 / Math.max(inserts.p99, 0.001), 3),
        goal: 'value < 50 ms',
      },
    ];
  } finally {
    await handle.shutdown('bench');
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  }
}

runIfMain(module, run, (results) => console.table(results));
