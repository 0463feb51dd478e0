import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './support/build';
import { ServerProcess, startServerProcess } from './support/server-process';
import { TEST_ADMIN_KEY, testEnv, waitFor } from './support/test-app';
import { sign } from './support/webhooks';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' };

/**
 * The built service as operators run it, on the embedded database under a
 * DATA_DIR: a delivery acknowledged with 202 survives `kill -9` and is
 * processed after the restart, exactly once.
 */
describe('webhook deliveries survive a killed process', () => {
  let dir: string;
  let server: ServerProcess | undefined;

  const env = (extra: Record<string, string> = {}) =>
    Object.fromEntries(
      Object.entries(
        testEnv({
          DATA_DIR: join(dir, 'data'),
          DATABASE_URL: undefined,
          RATE_LIMIT_WEBHOOK: '10000/60',
          ...extra,
        }),
      ).filter(([k, v]) => k !== 'PORT' && v !== undefined),
    ) as Record<string, string>;
  const api = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server!.baseUrl}${path}`, {
      ...init,
      headers: { ...admin, ...(init.headers as object) },
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  const killNow = async () => {
    await server!.kill(); // SIGKILL: no drain, no shutdown hooks
    server = undefined;
  };

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cc-webhook-crash-'));
  }, 240_000);
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a delivery acknowledged right before kill -9 is processed after the restart', async () => {
    // First life: an ingest-only replica (no worker), so the delivery is certainly unprocessed at the kill.
    server = await startServerProcess(env({ WEBHOOK_WORKER_CONCURRENCY: '0' }));
    const created = await api('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ name: 'crash', session_key: 'agent:main:crash', secret: 'crash-secret' }),
    });
    expect(created.status).toBe(201);
    const hookId = created.body.id;
    const body = JSON.stringify({ event: 'before-the-crash' });
    const res = await fetch(`${server.baseUrl}/api/webhooks/${hookId}/ingest`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sign('crash-secret', body) },
      body,
    });
    expect(res.status).toBe(202);
    const { delivery_id } = (await res.json()) as { delivery_id: string };
    await killNow();

    // Second life, with workers: the delivery is there and becomes a run.
    server = await startServerProcess(env());
    const delivered = await waitFor<any>(
      async () => {
        const d = await api(`/api/webhooks/${hookId}/deliveries/${delivery_id}`);
        return d.body?.status === 'delivered' ? d.body : undefined;
      },
      30_000,
      'the delivery accepted before the crash to be delivered',
    );
    expect(delivered.run_id).toEqual(expect.any(String));
    await waitFor(
      async () => {
        const h = await api('/api/sessions/agent:main:crash/history');
        return h.body?.messages?.some((m: any) => m.role === 'assistant' && m.run_id === delivered.run_id);
      },
      30_000,
      'the echo reply of the delivery',
    );

    // Third life: a burst killed mid-processing (some claimed, some not) — every one ends delivered, one run each.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${server.baseUrl}/api/webhooks/${hookId}/ingest`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Hub-Signature-256': sign('crash-secret', `{"i":${i}}`),
        },
        body: `{"i":${i}}`,
      });
      expect(r.status).toBe(202);
      ids.push(((await r.json()) as { delivery_id: string }).delivery_id);
    }
    await killNow();
    server = await startServerProcess(env());
    const finals = await waitFor<any[]>(
      async () => {
        const list = await api(`/api/webhooks/${hookId}/deliveries?limit=100`);
        const mine = (list.body?.items ?? []).filter((d: any) => ids.includes(d.id));
        return mine.length === 5 && mine.every((d: any) => d.status === 'delivered') ? mine : undefined;
      },
      60_000,
      'the burst to be delivered after the restart',
    );
    expect(new Set(finals.map((d: any) => d.run_id)).size).toBe(5);
    await waitFor(
      async () => {
        const h = await api('/api/sessions/agent:main:crash/history?limit=200');
        const runIds = (h.body?.messages ?? [])
          .filter((m: any) => m.role === 'user')
          .map((m: any) => m.run_id);
        return finals.every((d: any) => runIds.filter((r: string) => r === d.run_id).length === 1);
      },
      60_000,
      'one user message per delivery in the session',
    );
  }, 180_000);
});
