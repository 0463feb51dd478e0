import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSubagentLog, runSubagentRuns } from '../src/cli/commands/subagents.command';
import { expectSucceeded, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp, testEnv } from './support/test-app';
import { allTargets, spawnAcp, tempWorkspaces } from './support/acp';

/** `clawcontrol subagents runs|log` against the data directory the service used (service stopped meanwhile). */
describe('CLI: subagents runs | log', () => {
  let dir: string;
  let app: TestApp | undefined;
  const env = () => testEnv({ DATABASE_URL: undefined, DATA_DIR: dir });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-acp-cli-'));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists subagent runs and prints the log of one', async () => {
    app = await startTestApp({
      env: {
        DATABASE_URL: undefined,
        DATA_DIR: dir,
        SUBAGENTS_ACP_ENABLED: 'true',
        SUBAGENTS_ACP_TARGETS: JSON.stringify(allTargets()),
        SUBAGENTS_ACP_DEFAULT_TARGET: 'answer',
        SUBAGENTS_WORKSPACES_DIR: tempWorkspaces(),
      },
    });
    const ok = await spawnAcp(app, { task: 'from the cli test' });
    const crashed = await spawnAcp(app, { task: 'boom', runtime_target: 'crash' });
    expectSucceeded(await waitForRun(app, ok.run_id, undefined, 20_000));
    expect((await waitForRun(app, crashed.run_id, undefined, 20_000)).status).toBe('failed');
    await app.close();
    app = undefined;

    const json: string[] = [];
    expect(await runSubagentRuns({ json: true }, (l) => json.push(l), env())).toBe(0);
    const listed = JSON.parse(json.join(''));
    expect(listed.total).toBe(2);
    expect(listed.items.map((r: any) => [r.run_id, r.status])).toEqual([
      [crashed.run_id, 'failed'],
      [ok.run_id, 'succeeded'],
    ]);

    const table: string[] = [];
    expect(await runSubagentRuns({ status: 'failed' }, (l) => table.push(l), env())).toBe(0);
    expect(table[0]).toMatch(/^ID\s+STATUS\s+TARGET\s+EXIT/);
    expect(table[1]).toMatch(/failed\s+crash\s+1\s+/);
    expect(table.at(-1)).toBe('1 of 1 subagent run');

    const log: string[] = [];
    expect(await runSubagentLog(ok.run_id, {}, (l) => log.push(l), env())).toBe(0);
    expect(log[0]).toMatch(/^subagent .* \(run .*\) succeeded — .*answer\.mjs$/);
    expect(log.some((l) => /\s+plan\s+plan: 2 step\(s\)/.test(l))).toBe(true);
    expect(log.at(-1)).toBe('5 of 5 events');

    const crashLog: string[] = [];
    expect(await runSubagentLog(crashed.run_id, { kind: 'lifecycle' }, (l) => crashLog.push(l), env())).toBe(
      0,
    );
    expect(crashLog.join('\n')).toContain('stderr (tail):\nfatal: model backend unreachable');

    await expect(runSubagentRuns({ status: 'exploded' }, () => {}, env())).rejects.toThrow(
      '--status must be one of',
    );
    await expect(runSubagentLog(ok.run_id, { kind: 'nope' }, () => {}, env())).rejects.toThrow(
      '--kind must be one of',
    );
    await expect(runSubagentLog('00000000-0000-4000-8000-000000000000', {}, () => {}, env())).rejects.toThrow(
      "subagent run '00000000-0000-4000-8000-000000000000' not found",
    );
  }, 120_000);
});
