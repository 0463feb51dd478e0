import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, expectSucceeded, waitForRun } from './support/runtime-helpers';
import { TestApp, waitFor } from './support/test-app';
import {
  allTargets,
  fixtureTarget,
  processAlive,
  spawnAcp,
  startAcpApp,
  subagentOf,
  waitForSubagent,
} from './support/acp';

async function pidsOf(app: TestApp, runId: string): Promise<{ agent: number; grandchild: number }> {
  const sub = await waitForSubagent(app, runId, ['running']);
  const file = join(sub.workspace, 'pids.json');
  return waitFor(
    () => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined),
    10_000,
    'pids.json',
  );
}

describe('ACP limits and target selection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startAcpApp(
      {
        SUBAGENTS_ACP_DEFAULT_TARGET: undefined,
        SUBAGENTS_ACP_MAX_CONCURRENT: '1',
        SUBAGENTS_ACP_MAX_OUTPUT_BYTES: '1024',
      },
      { ...allTargets(), retired: { ...fixtureTarget('answer'), enabled: false } },
    );
  });
  afterAll(() => app.close());

  it('several targets and none chosen (no default_target, no command): "multiple targets" error', async () => {
    const res = await spawnAcp(app, { task: 'x', name: 'ambiguous' }, 400);
    expect(res.code).toBe('ACP_MULTIPLE_TARGETS');
    expect(res.detail).toMatch(
      /^multiple targets configured \(answer, permission, write-file, escape, crash, slow\) and none chosen: pass runtime_target or set subagents\.acp\.default_target$/,
    );
    await app.http().get('/api/sessions/agent:main:ambiguous').set(ADMIN).expect(404);
  });

  it('a disabled target is refused', async () => {
    const res = await spawnAcp(app, { task: 'x', runtime_target: 'retired' }, 400);
    expect(res.code).toBe('ACP_TARGET_DISABLED');
  });

  it('max_concurrent: a spawn beyond the bound answers 429 with Retry-After, and works again once one ends', async () => {
    const first = await spawnAcp(app, { task: 'busy', runtime_target: 'slow' });
    await waitForSubagent(app, first.run_id, ['running']);
    const res = await app
      .http()
      .post('/api/sessions')
      .set(ADMIN)
      .send({ runtime: 'acp', task: 'x', runtime_target: 'answer', name: 'over-limit' })
      .expect(429);
    expect(res.body.code).toBe('SUBAGENTS_BUSY');
    expect(res.body.detail).toContain('subagents.acp.max_concurrent');
    expect(res.headers['retry-after']).toBe('5');
    await app.http().get('/api/sessions/agent:main:over-limit').set(ADMIN).expect(404);
    await app
      .http()
      .post(`/api/sessions/${encodeURIComponent(first.key)}/kill`)
      .set(ADMIN)
      .expect(200);
    await waitForSubagent(app, first.run_id, ['aborted']);
    const again = await waitFor(
      async () => {
        const r = await app
          .http()
          .post('/api/sessions')
          .set(ADMIN)
          .send({ runtime: 'acp', task: 'after', runtime_target: 'answer' });
        return r.status === 201 ? r.body : undefined;
      },
      10_000,
      'a slot to free up',
    );
    expectSucceeded(await waitForRun(app, again.run_id, undefined, 15_000));
  });

  it('max_output_bytes: an agent streaming more fails the run and is stopped', async () => {
    const spawned = await spawnAcp(app, { task: 'x'.repeat(2000), runtime_target: 'answer' });
    const run = await waitForRun(app, spawned.run_id, undefined, 15_000);
    expect(run.status).toBe('failed');
    expect(run.error).toBe(
      'subagent output exceeded 1024 bytes (subagents.acp.max_output_bytes); the agent was stopped',
    );
    const sub = await waitForSubagent(app, spawned.run_id, ['failed']);
    expect(processAlive(sub.pid)).toBe(false);
  });
});

describe('ACP shutdown leaves no orphan processes', () => {
  it('the plain subagents.acp.command runs without runtime_target; shutting the service down kills it and its children', async () => {
    const app = await startAcpApp({
      SUBAGENTS_ACP_TARGETS: undefined,
      SUBAGENTS_ACP_DEFAULT_TARGET: undefined,
      SUBAGENTS_ACP_COMMAND: process.execPath,
      SUBAGENTS_ACP_ARGS: JSON.stringify([fixtureTarget('slow').args[0]]),
      // This agent ignores session/cancel: only killing its process group stops it.
      SUBAGENTS_ACP_ENV: JSON.stringify({ IGNORE_CANCEL: '1' }),
    });
    let pids: { agent: number; grandchild: number };
    try {
      const spawned = await spawnAcp(app, { task: 'never ends' });
      expect((await subagentOf(app, spawned.run_id)).target).toBeNull();
      pids = await pidsOf(app, spawned.run_id);
      expect(processAlive(pids.agent)).toBe(true);
      expect(processAlive(pids.grandchild)).toBe(true);
    } finally {
      await app.close();
    }
    await waitFor(
      () => !processAlive(pids!.agent) && !processAlive(pids!.grandchild),
      10_000,
      'agent and grandchild gone after shutdown',
    );
  });
});
