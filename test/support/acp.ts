import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN } from './runtime-helpers';
import { startTestApp, TestApp, waitFor } from './test-app';

export const ACP_FIXTURES = join(__dirname, '..', 'fixtures', 'acp-agents');

export type FixtureAgent = 'answer' | 'permission' | 'write-file' | 'escape' | 'crash' | 'slow';

/** A target running one of the test ACP agents with this Node. */
export function fixtureTarget(
  agent: FixtureAgent,
  extra: Record<string, unknown> = {},
): { command: string; args: string[]; [k: string]: unknown } {
  return { command: process.execPath, args: [join(ACP_FIXTURES, `${agent}.mjs`)], ...extra };
}

/** Every fixture agent as a named target. */
export function allTargets(extra: Partial<Record<FixtureAgent, Record<string, unknown>>> = {}) {
  const agents: FixtureAgent[] = ['answer', 'permission', 'write-file', 'escape', 'crash', 'slow'];
  return Object.fromEntries(agents.map((a) => [a, fixtureTarget(a, extra[a] ?? {})]));
}

export function tempWorkspaces(): string {
  return mkdtempSync(join(tmpdir(), 'acp-ws-'));
}

/** A test app with the ACP runtime enabled on the fixture agents. */
export function startAcpApp(
  env: Record<string, string | undefined> = {},
  targets = allTargets(),
): Promise<TestApp> {
  return startTestApp({
    env: {
      SUBAGENTS_ACP_ENABLED: 'true',
      SUBAGENTS_ACP_TARGETS: JSON.stringify(targets),
      SUBAGENTS_ACP_DEFAULT_TARGET: 'answer',
      SUBAGENTS_WORKSPACES_DIR: tempWorkspaces(),
      ...env,
    },
  });
}

export async function spawnAcp(app: TestApp, body: Record<string, unknown>, expectStatus = 201) {
  const res = await app
    .http()
    .post('/api/sessions')
    .set(ADMIN)
    .send({ runtime: 'acp', ...body });
  if (res.status !== expectStatus)
    throw new Error(`expected ${expectStatus}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function subagentOf(app: TestApp, runId: string) {
  return (await app.http().get(`/api/subagents/runs/${runId}`).set(ADMIN).expect(200)).body;
}

export async function subagentLog(app: TestApp, runId: string, query = 'limit=500') {
  return (await app.http().get(`/api/subagents/runs/${runId}/log?${query}`).set(ADMIN).expect(200)).body;
}

/** Waits until the subagent row of a run reaches one of `statuses`. */
export function waitForSubagent(app: TestApp, runId: string, statuses: string[], timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const s = await subagentOf(app, runId);
      return statuses.includes(s.status) ? s : undefined;
    },
    timeoutMs,
    `subagent of run ${runId} to reach ${statuses.join('|')}`,
  );
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function waitForProcessGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  return waitFor(() => !processAlive(pid), timeoutMs, `process ${pid} to exit`);
}
