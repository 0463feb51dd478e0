import { MIGRATIONS } from '../migrations';
import { Backends, backendsUnavailable, api, replicaEnv, sql, startBackends, startReplicas, stopReplica } from './support/cluster';
import { connectedClient, GatewayTestClient } from './support/gateway-client';
import { ServerProcess } from './support/server-process';
import { TEST_ADMIN_KEY, waitFor } from './support/test-app';

/**
 * Three replicas of the built service (child processes, as pods run it) on one PostgreSQL and
 * one Redis: they boot together on an empty database (racing for the migrations), then share
 * rate limits, events, lockdown and the scheduler. Uses TEST_DATABASE_URL / TEST_REDIS_URL when
 * set, else private servers; skipped with the reason printed when neither exists.
 */
const unavailable = backendsUnavailable();
if (unavailable) console.warn(`multi-replica tests skipped: ${unavailable}`);

(unavailable ? describe.skip : describe)('three replicas on one PostgreSQL + Redis', () => {
  let backends: Backends;
  let replicas: ServerProcess[] = [];
  const url = (i: number) => replicas[i % replicas.length].baseUrl;

  beforeAll(async () => {
    backends = await startBackends();
    replicas = await startReplicas(
      3,
      replicaEnv(backends, { SCHEDULER_TICK_MS: '100', WEBHOOK_POLL_INTERVAL_MS: '100', PROVIDER_MAX_RETRIES: '0' }),
      120_000,
    );
  }, 240_000);

  afterAll(async () => {
    const exits = await Promise.all(replicas.map((p) => stopReplica(p)));
    await backends?.close();
    // A graceful stop exits 0 (SIGTERM drain), never a crash.
    expect(exits.map((e) => e.code)).toEqual(replicas.map(() => 0));
  }, 60_000);

  it('booted together on an empty database: all ready, every migration applied exactly once', async () => {
    for (const r of replicas) expect((await fetch(`${r.baseUrl}/readyz`)).status).toBe(200);
    const rows = await sql(backends.databaseUrl, `SELECT name, count(*)::int AS n FROM migrations GROUP BY name`);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.map((r) => r.name).sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    const keys = await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM api_keys`);
    expect(keys[0].n).toBe(1); // the bootstrap admin key, once, although three replicas ensured it
    const orgs = await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM organizations WHERE slug = 'default'`);
    expect(orgs[0].n).toBe(1);
  });

  it('shares the webhook rate limit: 60 ingests spread over the replicas are accepted, the 61st is refused with Retry-After', async () => {
    const hook = await api(url(0), 'POST', '/api/webhooks', { name: 'shared-limit', session_key: 'agent:main:limit' });
    expect(hook.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await api(url(i), 'POST', `/api/webhooks/${hook.body.id}/ingest`, { n: i }, {});
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    const refused = await api(url(1), 'POST', `/api/webhooks/${hook.body.id}/ingest`, { n: 61 }, {});
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.code).toBeDefined();

    // Every accepted delivery becomes exactly one run, whichever replica claimed it.
    await waitFor(
      async () => {
        const [row] = await sql(
          backends.databaseUrl,
          `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS done, count(*)::int AS total FROM webhook_deliveries WHERE webhook_id = $1`,
          [hook.body.id],
        );
        return row.total === 60 && row.done === 60;
      },
      60_000,
      '60 deliveries delivered',
    );
    const runs = await sql(backends.databaseUrl, `SELECT count(*)::int AS n, count(DISTINCT source_ref)::int AS refs FROM runs WHERE source = 'webhook' AND session_key = 'agent:main:limit'`);
    expect(runs[0]).toEqual({ n: 60, refs: 60 });
  }, 120_000);

  it('streams a run started on replica A to a WebSocket subscriber on replica B', async () => {
    let client: GatewayTestClient | undefined;
    try {
      ({ client } = await connectedClient(url(1), TEST_ADMIN_KEY));
      const sub = await client.request('sessions.subscribe', {});
      expect(sub.ok).toBe(true);
      const sent = await api(url(0), 'POST', '/api/sessions/agent:main:across/messages', { message: 'hello from A' });
      expect(sent.status).toBe(202);
      const final = await client.waitForEvent(
        (f) => f.event === 'chat' && f.payload?.runId === sent.body.run_id && f.payload?.state === 'final',
        20_000,
        'the final chat event on replica B',
      );
      expect(JSON.stringify(final.payload.message)).toContain('hello from A');
      const states = client.events.filter((f) => f.event === 'chat' && f.payload?.runId === sent.body.run_id).map((f) => f.payload.state);
      expect(states.filter((s) => ['final', 'error', 'aborted'].includes(s))).toEqual(['final']);
    } finally {
      client?.close();
    }
  }, 60_000);

  it('a lockdown declared on one replica holds on every replica, and lifting it does too', async () => {
    const key = await api(url(0), 'POST', '/api/auth/api_keys', { label: 'operator', scopes: ['operator.write'] });
    expect(key.status).toBe(201);
    const operator = { Authorization: `Bearer ${key.body.api_key}` };
    const write = (i: number) => api(url(i), 'POST', '/api/sessions', { name: `lockdown-${Date.now()}-${i}` }, operator);
    expect((await write(2)).status).toBe(201);

    expect((await api(url(0), 'POST', '/api/admin/lockdown', { reason: 'INC-002 drill' })).status).toBe(200);
    for (const i of [0, 1, 2]) {
      const res = await waitFor(async () => {
        const r = await write(i);
        return r.status === 503 ? r : undefined;
      }, 10_000, `lockdown on replica ${i}`);
      expect(res.body.code).toBe('LOCKDOWN');
    }
    expect((await api(url(2), 'GET', '/api/sessions', undefined, operator)).status).toBe(200); // reads still work

    expect((await api(url(1), 'DELETE', '/api/admin/lockdown')).status).toBe(200);
    for (const i of [0, 1, 2]) {
      await waitFor(async () => (await write(i)).status === 201, 10_000, `lockdown lifted on replica ${i}`);
    }
  }, 60_000);

  it('runs each due scheduled task exactly once although three schedulers compete', async () => {
    const TASKS = 30;
    const due = new Date(Date.now() + 1500).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const res = await api(url(i), 'POST', '/api/scheduler/tasks', {
        chat_id: `agent:main:sched-${i % 10}`,
        prompt: `task ${i}`,
        schedule_type: 'once',
        schedule_value: due,
        timezone: 'UTC',
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    await waitFor(
      async () => {
        const [row] = await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM scheduled_tasks WHERE id = ANY($1) AND status = 'completed'`, [ids]);
        return row.n === TASKS;
      },
      60_000,
      `${TASKS} tasks completed`,
    );
    const perTask = await sql(backends.databaseUrl, `SELECT task_id, count(*)::int AS n FROM task_runs WHERE task_id = ANY($1) GROUP BY task_id`, [ids]);
    expect(perTask.length).toBe(TASKS);
    expect(perTask.filter((r) => r.n !== 1)).toEqual([]);
    const runs = await sql(backends.databaseUrl, `SELECT count(*)::int AS n FROM runs WHERE source = 'scheduler' AND session_key LIKE 'agent:main:sched-%'`);
    expect(runs[0].n).toBe(TASKS);
  }, 90_000);
});
