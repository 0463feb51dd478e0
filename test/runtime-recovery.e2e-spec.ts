import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './support/build';
import { ServerProcess, startServerProcess } from './support/server-process';
import { TEST_ADMIN_KEY, testEnv, waitFor } from './support/test-app';

const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

async function api(server: ServerProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: auth,
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

describe('crash recovery (embedded database on disk)', () => {
  let dir: string;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cc-recovery-'));
  }, 300_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run left running by a killed process is failed at the next boot, and the session is usable', async () => {
    const env = Object.fromEntries(
      Object.entries(
        testEnv({
          DATA_DIR: dir,
          DATABASE_URL: undefined,
          REDIS_URL: undefined,
          RATE_LIMIT_BACKEND: undefined,
          LOG_LEVEL: 'warn',
        }),
      ).filter(([k, v]) => v !== undefined && k !== 'PORT'),
    ) as Record<string, string>;
    server = await startServerProcess(env, 60_000);
    const sent = await api(server, 'POST', '/api/sessions/agent:main:crash/messages', {
      message: '/sleep 600000',
    });
    expect(sent.status).toBe(202);
    const runId = sent.body.run_id;
    await waitFor(
      async () => (await api(server!, 'GET', `/api/runs/${runId}`)).body?.status === 'running',
      10_000,
      'the run to be running',
    );
    // Mid-provider: the prompt is in the transcript and echo is sleeping.
    await waitFor(
      async () =>
        (await api(server!, 'GET', '/api/sessions/agent:main:crash/history')).body?.messages?.some(
          (m: any) => m.content?.[0]?.text === '/sleep 600000',
        ),
      10_000,
      'the prompt to reach the transcript',
    );

    await server.kill();
    server = await startServerProcess(env, 60_000);

    const run: any = await waitFor(
      async () => {
        const r = await api(server!, 'GET', `/api/runs/${runId}`);
        return r.body?.status === 'failed' ? r.body : undefined;
      },
      10_000,
      'the interrupted run to be failed',
    );
    expect(run.error).toMatch(/^interrupted: process exited/);
    expect(run.finished_at).toBeTruthy();

    const next = await api(server, 'POST', '/api/sessions/agent:main:crash/messages', {
      message: 'are you there',
    });
    expect(next.status).toBe(202);
    expect(next.body.status).toBe('running');
    const done: any = await waitFor(
      async () => {
        const r = await api(server!, 'GET', `/api/runs/${next.body.run_id}`);
        return r.body?.status === 'succeeded' ? r.body : undefined;
      },
      10_000,
      'the next run to succeed',
    );
    expect(done.status).toBe('succeeded');
    const history = await api(server, 'GET', '/api/sessions/agent:main:crash/history');
    expect(history.body.messages.map((m: any) => m.content[0].text)).toEqual([
      '/sleep 600000',
      'are you there',
      'Echo: are you there',
    ]);
  }, 180_000);
});
