import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDlqList, runDlqReplay } from '../src/cli/commands/dlq.command';
import { ADMIN, FAST_SCHEDULER_ENV, inMs, waitForTask } from './support/scheduler-helpers';
import { startTestApp, TestApp, testEnv } from './support/test-app';

/** `clawcontrol dlq list|replay` against the same data directory the service uses (service stopped meanwhile). */
describe('CLI: dlq list | replay', () => {
  let dir: string;
  let app: TestApp | undefined;
  const env = () => testEnv({ DATABASE_URL: undefined, DATA_DIR: dir, ...FAST_SCHEDULER_ENV });
  const start = () => startTestApp({ env: { DATABASE_URL: undefined, DATA_DIR: dir, ...FAST_SCHEDULER_ENV } });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-dlq-cli-'));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists failures and replays them; the service then runs the re-queued task', async () => {
    app = await start();
    const created = await app
      .http()
      .post('/api/scheduler/tasks')
      .set(ADMIN)
      .send({ chat_id: 'agent:main:cli', prompt: '/fail disk full', schedule_type: 'once', schedule_value: inMs(0) })
      .expect(201);
    const taskId = created.body.id;
    await waitForTask(app, taskId, (t) => t.status === 'failed');
    await app.close();
    app = undefined;

    const out: string[] = [];
    expect(await runDlqList({ chatId: 'agent:main:cli', json: true }, (l) => out.push(l), env())).toBe(0);
    const listed = JSON.parse(out.join(''));
    expect(listed.total).toBe(1);
    expect(listed.items[0]).toMatchObject({ task_id: taskId, status: 'pending', error_summary: expect.stringContaining('disk full') });

    const table: string[] = [];
    expect(await runDlqList({ status: 'pending' }, (l) => table.push(l), env())).toBe(0);
    expect(table[0]).toMatch(/^ID\s+TASK\s+CHAT/);
    expect(table.join('\n')).toContain('disk full');
    expect(table.at(-1)).toBe('1 of 1 entry');

    await expect(runDlqList({ status: 'gone' }, () => {}, env())).rejects.toThrow('--status must be one of');
    await expect(runDlqReplay({ chatId: 'agent:main:cli', limit: '0' }, () => {}, env())).rejects.toThrow('--limit');
    await expect(runDlqReplay({ chatId: 'agent:main:cli', taskId: 'x' }, () => {}, env())).rejects.toThrow('--task-id');

    const replayed: string[] = [];
    expect(await runDlqReplay({ chatId: 'agent:main:cli' }, (l) => replayed.push(l), env())).toBe(0);
    expect(replayed).toEqual([`replayed ${listed.items[0].id} (task ${taskId}): queued`, '1 queued, 0 skipped']);

    app = await start();
    // the replayed task is due at once; with the prompt still failing it fails again, with a new DLQ entry
    const after = await waitForTask(app, taskId, (t) => t.run_count === 2);
    expect(after.status).toBe('failed');
    const audit = await app.http().get('/api/audit?action=scheduler.dlq.replay').set(ADMIN).expect(200);
    expect(audit.body.items[0]).toMatchObject({ actor: 'cli', target: 'chat:agent:main:cli' });
  }, 120_000);
});
