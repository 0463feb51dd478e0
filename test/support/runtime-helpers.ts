import { DataSource } from 'typeorm';
import { RunEvent, RunEventsService } from '../../src/modules/runtime/run-events.service';
import { TEST_ADMIN_KEY, TestApp, waitFor } from './test-app';

export const ADMIN = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
export const TERMINAL = ['succeeded', 'failed', 'aborted', 'timed_out'];

export async function defaultOrgId(app: TestApp): Promise<string> {
  const rows = await app.app.get(DataSource).query(`SELECT id FROM organizations WHERE slug = 'default'`);
  return rows[0].id;
}

/** Records every run event of the default organization seen by this app instance. */
export async function recordEvents(app: TestApp, organizationId?: string) {
  const events: RunEvent[] = [];
  const sub = app.app
    .get(RunEventsService)
    .subscribe({ organizationId: organizationId ?? (await defaultOrgId(app)) }, (e) => {
      events.push(e);
    });
  return {
    events,
    stop: () => sub.unsubscribe(),
    /** OpenClaw chat payloads of one run, in arrival order. */
    chat: (runId: string) =>
      events
        .filter((e) => e.type === 'chat' && (e.payload as any).runId === runId)
        .map((e) => (e.payload as any).payload),
    agent: (runId: string) =>
      events
        .filter((e) => e.type === 'agent' && (e.payload as any).runId === runId)
        .map((e) => (e.payload as any).payload),
  };
}

export async function send(app: TestApp, key: string, body: Record<string, unknown>, expectStatus = 202) {
  const res = await app
    .http()
    .post(`/api/sessions/${encodeURIComponent(key)}/messages`)
    .set(ADMIN)
    .send(body);
  if (res.status !== expectStatus)
    throw new Error(`expected ${expectStatus}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getRun(app: TestApp, runId: string) {
  return (await app.http().get(`/api/runs/${runId}`).set(ADMIN).expect(200)).body;
}

/** Polls GET /api/runs/:id until the run is terminal (or in one of `statuses`). */
export function waitForRun(app: TestApp, runId: string, statuses = TERMINAL, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const run = await getRun(app, runId);
      return statuses.includes(run.status) ? run : undefined;
    },
    timeoutMs,
    `run ${runId} to reach ${statuses.join('|')}`,
  );
}

export async function history(app: TestApp, key: string) {
  return (
    await app
      .http()
      .get(`/api/sessions/${encodeURIComponent(key)}/history`)
      .set(ADMIN)
      .expect(200)
  ).body;
}

/** Asserts a run succeeded; a failure shows the run's error, not only its status. */
export function expectSucceeded(run: { status: string; error?: string | null }): void {
  expect({ status: run.status, error: run.error ?? null }).toEqual({ status: 'succeeded', error: null });
}
