import { api, Backends, backendsUnavailable, replicaEnv, sql, startBackends, startReplicas, stopReplica, waitForReady } from './support/cluster';
import { ServerProcess, startServerProcess } from './support/server-process';
import { waitFor } from './support/test-app';

/**
 * Faults injected into a running service (the built server as a child process) on a PostgreSQL
 * and a Redis of its own (initdb + redis-server on free ports, so stopping them disturbs
 * nothing else): PostgreSQL restarted under webhook load, Redis stopped, `kill -9` under load.
 */
const unavailable = process.env.SKIP_BACKEND_INDEPENDENT_TESTS
  ? 'SKIP_BACKEND_INDEPENDENT_TESTS is set (they use private servers, not TEST_DATABASE_URL: .ci/run runs them in its first pass)'
  : backendsUnavailable(true);
if (unavailable) console.warn(`fault tests skipped: ${unavailable}`);

interface Outcome {
  status: number;
  deliveryId?: string;
  runId?: string;
  error?: string;
}

/** `workers` loops calling `fn` until `stop()` resolves; bounded by `maxMs` in any case. */
async function underLoad(workers: number, fn: (i: number) => Promise<Outcome>, during: () => Promise<void>, maxMs = 60_000) {
  const outcomes: Outcome[] = [];
  let stopping = false;
  const deadline = Date.now() + maxMs;
  let n = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopping && Date.now() < deadline) {
      try {
        outcomes.push(await fn(n++));
      } catch (err) {
        outcomes.push({ status: 0, error: (err as Error).message });
      }
    }
  });
  try {
    await during();
  } finally {
    stopping = true;
    await Promise.all(loops);
  }
  return outcomes;
}

const tally = (outcomes: Outcome[]) =>
  outcomes.reduce<Record<string, number>>((acc, o) => ((acc[o.status] = (acc[o.status] ?? 0) + 1), acc), {});

async function ingest(base: string, hookId: string, i: number): Promise<Outcome> {
  const res = await api(base, 'POST', `/api/webhooks/${hookId}/ingest`, { n: i }, { 'X-Webhook-Id': `load-${i}` });
  return { status: res.status, deliveryId: res.body?.delivery_id };
}

(unavailable ? describe.skip : describe)('fault injection on a private PostgreSQL and Redis', () => {
  let backends: Backends;
  beforeAll(async () => {
    backends = await startBackends(true);
  }, 120_000);
  afterAll(async () => {
    await backends?.close();
  });

  describe('PostgreSQL restarted under webhook load', () => {
    let server: ServerProcess | undefined;
    afterAll(async () => {
      if (server) await stopReplica(server);
    });

    it('keeps every 202 (all in the database afterwards), flips /readyz and recovers, never crashes', async () => {
      [server] = await startReplicas(1, replicaEnv(backends, {
          RATE_LIMIT_ENABLED: 'false',
          DB_CONNECT_TIMEOUT_MS: '1000',
          // Claims interrupted by the outage are reclaimed after the lease: keep it short here.
          WEBHOOK_LEASE_MS: '5000',
          WEBHOOK_BACKOFF_BASE_MS: '200',
        }));
      const base = server.baseUrl;
      const hook = await api(base, 'POST', '/api/webhooks', { name: 'pg-restart', session_key: 'agent:main:pg-restart' });
      expect(hook.status).toBe(201);
      const readiness: number[] = [];

      const outcomes = await underLoad(4, (i) => ingest(base, hook.body.id, i), async () => {
        await waitFor(async () => (await sql(backends.databaseUrl, 'SELECT count(*)::int AS n FROM webhook_deliveries'))[0].n >= 20, 20_000, 'load before the restart');
        await backends.pg!.stop();
        await waitFor(async () => {
          const s = (await fetch(`${base}/readyz`)).status;
          readiness.push(s);
          return s === 503;
        }, 15_000, '/readyz 503 while PostgreSQL is down');
        expect((await fetch(`${base}/healthz`)).status).toBe(200); // liveness has no dependencies: no restart loop
        await backends.pg!.start();
        await waitFor(async () => {
          const s = (await fetch(`${base}/readyz`)).status;
          readiness.push(s);
          return s === 200;
        }, 30_000, '/readyz 200 after PostgreSQL is back');
        // keep the load going a little after recovery
        const after = Date.now();
        await waitFor(() => Date.now() - after > 1500, 5000);
      });

      expect(server.child.exitCode).toBeNull(); // no crash
      const counts = tally(outcomes);
      // Accepted (202) or refused as unavailable (503 DATABASE_UNAVAILABLE); nothing else, no dropped connections.
      expect(Object.keys(counts).filter((s) => !['202', '503'].includes(s))).toEqual([]);
      expect(counts['202']).toBeGreaterThan(20);
      expect(readiness).toContain(503);

      const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.deliveryId!);
      const rows = await sql(backends.databaseUrl, `SELECT id FROM webhook_deliveries WHERE id = ANY($1)`, [accepted]);
      expect(rows.length).toBe(new Set(accepted).size);
      // ...and none is left behind: each becomes its run.
      await waitFor(
        async () => (await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM webhook_deliveries WHERE id = ANY($1) AND status <> 'delivered'`, [accepted]))[0].n === 0,
        60_000,
        'every accepted delivery delivered',
      );
    }, 180_000);
  });

  describe('Redis stopped', () => {
    let server: ServerProcess | undefined;
    afterAll(async () => {
      if (server) await stopReplica(server);
      if (!backends.redis!.running) await backends.redis!.start();
    });

    it('rate limits fail open (requests allowed, no 5xx), /readyz names redis, and the limits return with Redis', async () => {
      [server] = await startReplicas(1, replicaEnv(backends, { RATE_LIMIT_WEBHOOK: '5/60' }));
      const base = server.baseUrl;
      const hook = await api(base, 'POST', '/api/webhooks', { name: 'redis-outage', session_key: 'agent:main:redis-outage' });
      const send = async (i: number) => (await ingest(base, hook.body.id, 10_000 + i)).status;
      const before: number[] = [];
      for (let i = 0; i < 6; i++) before.push(await send(i));
      expect(before).toEqual([202, 202, 202, 202, 202, 429]);

      await backends.redis!.stop();
      const during: number[] = [];
      for (let i = 0; i < 10; i++) during.push(await send(100 + i));
      expect(during).toEqual(Array(10).fill(202)); // fail open: the limit is not enforced without its backend
      const reads = await Promise.all([api(base, 'GET', '/api/sessions'), api(base, 'GET', '/api/webhooks'), api(base, 'GET', '/api/health')]);
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
      const ready = await api(base, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toContain('redis');
      const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/rate_limit_backend_errors_total(\{[^}]*\})? [1-9]/);

      await backends.redis!.start();
      await waitForReady(server, 30_000);
      const after: number[] = [];
      for (let i = 0; i < 6; i++) after.push(await send(200 + i));
      expect(after).toEqual([202, 202, 202, 202, 202, 429]); // a fresh Redis: a fresh window
      expect(server.child.exitCode).toBeNull();
    }, 120_000);
  });

  describe('kill -9 under load', () => {
    let server: ServerProcess | undefined;
    afterAll(async () => {
      await server?.kill();
    });

    it('after a restart no accepted delivery, run or task is lost or stuck', async () => {
      const env = replicaEnv(backends, {
        RATE_LIMIT_ENABLED: 'false',
        RUN_LEASE_MS: '3000',
        RUN_SWEEP_INTERVAL_MS: '500',
        WEBHOOK_LEASE_MS: '3000',
        SCHEDULER_LEASE_MS: '3000',
        SCHEDULER_TICK_MS: '200',
      });
      let victim: ServerProcess | undefined = (await startReplicas(1, env))[0];
      const base = victim.baseUrl;
      const hook = await api(base, 'POST', '/api/webhooks', {
        name: 'kill-9',
        session_key: 'agent:main:kill9-hook',
        message_template: '/sleep 400',
      });
      expect(hook.status).toBe(201);
      const due = new Date(Date.now() + 1000).toISOString();
      const tasks: string[] = [];
      for (let i = 0; i < 10; i++) {
        const t = await api(base, 'POST', '/api/scheduler/tasks', {
          chat_id: `agent:main:kill9-task-${i}`,
          prompt: '/sleep 1500',
          schedule_type: 'once',
          schedule_value: due,
          timezone: 'UTC',
        });
        expect(t.status).toBe(201);
        tasks.push(t.body.id);
      }

      const outcomes = await underLoad(
        4,
        async (i) => {
          if (i % 2 === 0) return ingest(base, hook.body.id, 50_000 + i);
          const res = await api(base, 'POST', `/api/sessions/agent:main:kill9-chat-${i % 5}/messages`, { message: '/sleep 300' });
          return { status: res.status, runId: res.body?.run_id };
        },
        async () => {
          await waitFor(
            async () => (await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM scheduled_tasks WHERE id = ANY($1) AND status = 'running'`, [tasks]))[0].n >= 3,
            30_000,
            'scheduled tasks running',
          );
          victim!.child.kill('SIGKILL');
          await victim!.exited;
        },
      );
      victim = undefined;
      const accepted = outcomes.filter((o) => o.status === 202);
      expect(accepted.length).toBeGreaterThan(10);
      const deliveryIds = accepted.filter((o) => o.deliveryId).map((o) => o.deliveryId!);
      const runIds = accepted.filter((o) => o.runId).map((o) => o.runId!);
      expect(deliveryIds.length).toBeGreaterThan(0);
      expect(runIds.length).toBeGreaterThan(0);

      server = await startServerProcess(env, 60_000);
      await waitForReady(server);

      // Every accepted delivery exists and is delivered (interrupted claims are reclaimed after the lease).
      const dRows = await sql(backends.databaseUrl, `SELECT id FROM webhook_deliveries WHERE id = ANY($1)`, [deliveryIds]);
      expect(dRows.length).toBe(new Set(deliveryIds).size);
      await waitFor(
        async () => (await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM webhook_deliveries WHERE id = ANY($1) AND status <> 'delivered'`, [deliveryIds]))[0].n === 0,
        90_000,
        'every accepted delivery delivered after the restart',
      );
      // Every accepted run exists and ends (a run cut off by the kill is failed, never left running).
      const rRows = await sql(backends.databaseUrl, `SELECT id FROM runs WHERE id = ANY($1)`, [runIds]);
      expect(rRows.length).toBe(new Set(runIds).size);
      await waitFor(
        async () => (await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM runs WHERE status IN ('queued', 'running')`))[0].n === 0,
        90_000,
        'no run left queued or running',
      );
      // Every task has run to an end: completed, or failed into the DLQ — none stuck running.
      await waitFor(
        async () => (await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM scheduled_tasks WHERE id = ANY($1) AND status NOT IN ('completed', 'failed')`, [tasks]))[0].n === 0,
        90_000,
        'every task completed or failed',
      );
      // The tasks cut off by the kill were reclaimed after their lease and run again.
      const interrupted = await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM task_runs WHERE task_id = ANY($1) AND status = 'interrupted'`, [tasks]);
      expect(interrupted[0].n).toBeGreaterThan(0);
    }, 300_000);
  });
});
