import { DataSource } from 'typeorm';
import { MetricsRegistry } from '../src/common/metrics/metrics-registry';
import { findPgBinDir, PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';
import { createScratchDatabase } from './support/test-db';
import { createWebhook } from './support/webhooks';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** Two replicas at once need a server that takes several connections (embedded PGlite serves one client). */
const twoReplicaDb = process.env.TEST_DATABASE_URL || findPgBinDir();

(twoReplicaDb ? describe : describe.skip)('webhook deliveries across replicas (PostgreSQL)', () => {
  let pg: PrivatePostgres | undefined;
  let drop: (() => Promise<void>) | undefined;
  let a: TestApp;
  let b: TestApp;

  const env = (url: string) => ({
    DATABASE_URL: url,
    RATE_LIMIT_WEBHOOK: '100000/60',
    WEBHOOK_WORKER_CONCURRENCY: '8',
    WEBHOOK_POLL_INTERVAL_MS: '50',
    WEBHOOK_MAX_ATTEMPTS: '3',
  });

  beforeAll(async () => {
    let url: string;
    const scratch = await createScratchDatabase();
    if (scratch) {
      url = scratch.url;
      drop = () => scratch.drop();
    } else {
      pg = await startPrivatePostgres();
      url = pg.url;
    }
    a = await startTestApp({ env: env(url) });
    b = await startTestApp({ env: env(url) });
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
    await pg?.destroy();
  });

  const deliveredOn = async (app: TestApp) => {
    const metric = await app.app
      .get(MetricsRegistry)
      .registry.getSingleMetric('webhook_deliveries_processed_total')!
      .get();
    return metric.values.find((v) => v.labels.status === 'delivered')?.value ?? 0;
  };

  it('each delivery becomes exactly one run while both replicas ingest and process', async () => {
    // Distinct sessions, so runs do not wait behind each other.
    const hooks = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        createWebhook(a, admin, { name: `replicas-${i}`, session_key: `agent:main:replicas-${i}` }),
      ),
    );
    const before = (await deliveredOn(a)) + (await deliveredOn(b));
    const ids = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const app = i % 2 ? a : b;
        const res = await app
          .http()
          .post(`/api/webhooks/${hooks[i % 4].id}/ingest`)
          .set('Content-Type', 'application/json')
          .send(`{"i":${i}}`);
        expect(res.status).toBe(202);
        return res.body.delivery_id as string;
      }),
    );
    const ds = a.app.get(DataSource);
    const rows = await waitFor<{ id: string; status: string; run_id: string; attempts: number }[]>(
      async () => {
        const r: { id: string; status: string; run_id: string; attempts: number }[] = await ds.query(
          `SELECT id, status, run_id, attempts FROM webhook_deliveries WHERE id = ANY($1)`,
          [ids],
        );
        return r.length === 40 && r.every((d) => d.status === 'delivered') ? r : (undefined as never);
      },
      30_000,
      'every delivery to be delivered',
    );
    expect(new Set(rows.map((r) => r.run_id)).size).toBe(40);
    const runs = await ds.query(
      `SELECT source_ref, count(*)::int AS n FROM runs WHERE source = 'webhook' AND source_ref = ANY($1) GROUP BY source_ref`,
      [ids],
    );
    expect(runs).toHaveLength(40);
    expect(runs.every((r: { n: number }) => r.n === 1)).toBe(true);
    // Counted once each, by whichever replica handled it.
    expect((await deliveredOn(a)) + (await deliveredOn(b)) - before).toBe(40);
  });

  it("reclaims a dead replica's expired lease, and fails one that died on its last attempt", async () => {
    const hook = await createWebhook(a, admin, { name: 'orphans', session_key: 'agent:main:orphans' });
    const ds = a.app.get(DataSource);
    const insert = (attempts: number) =>
      ds.query(
        `INSERT INTO webhook_deliveries (organization_id, webhook_id, payload, payload_bytes, status, attempts, locked_by, locked_until)
         SELECT organization_id, id, convert_to('{"orphan":true}', 'UTF8'), 15, 'processing', $2, 'dead-host:1:dead', now() - interval '1 second'
           FROM webhooks WHERE id = $1 RETURNING id`,
        [hook.id, attempts],
      );
    const [{ id: resumable }] = await insert(1);
    const [{ id: exhausted }] = await insert(3);
    const get = async (id: string) =>
      (await a.http().get(`/api/webhooks/${hook.id}/deliveries/${id}`).set(admin).expect(200)).body;
    await waitFor(
      async () => (await get(resumable)).status === 'delivered',
      15_000,
      'the orphaned delivery to be reclaimed and delivered',
    );
    expect((await get(resumable)).attempts).toBe(2);
    const failed = await waitFor(
      async () => {
        const d = await get(exhausted);
        return d.status === 'failed' ? d : undefined;
      },
      15_000,
      'the exhausted orphan to fail',
    );
    expect(failed.error).toContain('last attempt');
  });
});
