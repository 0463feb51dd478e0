import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './support/build';
import { ADMIN } from './support/scheduler-helpers';
import { startServerProcess, ServerProcess } from './support/server-process';
import { testEnv, waitFor } from './support/test-app';

async function api(server: ServerProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A service process is killed (SIGKILL) while a scheduled run is in flight.
 * The next process on the same data directory finds the task `running` under a
 * dead lease, reclaims it after SCHEDULER_LEASE_MS and runs it again; the run
 * log shows the interrupted attempt, recovered by the reclaim.
 */
describe('scheduler: a process killed mid-run', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cc-sched-reclaim-'));
  }, 240_000);
  afterAll(async () => {
    for (const s of servers) await s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reclaims the task after the lease and runs it again', async () => {
    const env = testEnv({ DATA_DIR: dir, SCHEDULER_TICK_MS: '100', SCHEDULER_LEASE_MS: '2000' }) as Record<string, string>;
    const first = await startServerProcess(env, 60_000);
    servers.push(first);
    const created = await api(first, 'POST', '/api/scheduler/tasks', {
      chat_id: 'agent:main:reclaim',
      prompt: '/sleep 3000',
      schedule_type: 'once',
      schedule_value: new Date().toISOString(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    // the run is in flight: the task is claimed and its prompt reached the session
    await waitFor(
      async () => {
        const task = await api(first, 'GET', `/api/scheduler/tasks/${id}`);
        const history = await api(first, 'GET', '/api/sessions/agent:main:reclaim/history');
        return task.body.status === 'running' && history.status === 200 && history.body.messages.length >= 1;
      },
      20_000,
      'the scheduled run to start',
    );
    const claimedBy = (await api(first, 'GET', `/api/scheduler/tasks/${id}`)).body.locked_by;
    await first.kill();

    const second = await startServerProcess(env, 60_000);
    servers.push(second);
    const done = await waitFor(
      async () => {
        const task = await api(second, 'GET', `/api/scheduler/tasks/${id}`);
        return task.body.status === 'completed' ? task.body : undefined;
      },
      30_000,
      'the reclaimed task to complete',
    );
    expect(done).toMatchObject({ run_count: 1, attempt: 2, last_error: null });
    const runs = (await api(second, 'GET', `/api/scheduler/tasks/${id}/runs`)).body.items;
    expect(runs).toHaveLength(2);
    const [rerun, interrupted] = runs; // newest first
    expect(interrupted).toMatchObject({ status: 'interrupted', success: false, attempt: 1, runner: claimedBy, recovered_by: rerun.id });
    expect(interrupted.error).toContain('stopped renewing its lease');
    expect(rerun).toMatchObject({ status: 'succeeded', success: true, attempt: 2, summary: 'slept 3000 ms' });
    expect(rerun.runner).not.toBe(claimedBy);
    expect(rerun.due_at).toBe(interrupted.due_at);
    expect(rerun.run_id).not.toBe(interrupted.run_id); // the interrupted run was failed by the runtime; a new one ran
    const stats = (await api(second, 'GET', '/api/scheduler/stats')).body.scheduler_recoverability_7d;
    expect(stats).toMatchObject({ due: 1, succeeded_first_attempt: 0, recovered: 1, unrecovered: 0, value: 1 });
    // an interrupted run is recovered by the reclaim: it never reached the DLQ
    expect((await api(second, 'GET', `/api/scheduler/dlq?task_id=${id}`)).body.total).toBe(0);
  }, 120_000);
});
