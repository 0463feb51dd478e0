import { TEST_ADMIN_KEY, TestApp, waitFor } from './test-app';

export const ADMIN = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** Scheduler settings that make tests fast: short ticks and leases, no provider retries. */
export const FAST_SCHEDULER_ENV = {
  SCHEDULER_TICK_MS: '50',
  SCHEDULER_LEASE_MS: '3000',
  PROVIDER_MAX_RETRIES: '0',
  RATE_LIMIT_ENABLED: 'false',
};

export async function createTask(app: TestApp, body: Record<string, unknown>, expectStatus = 201) {
  const res = await app.http().post('/api/scheduler/tasks').set(ADMIN).send(body);
  if (res.status !== expectStatus) throw new Error(`expected ${expectStatus}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getTask(app: TestApp, id: string) {
  return (await app.http().get(`/api/scheduler/tasks/${id}`).set(ADMIN).expect(200)).body;
}

export async function taskRuns(app: TestApp, id: string): Promise<any[]> {
  return (await app.http().get(`/api/scheduler/tasks/${id}/runs?limit=500`).set(ADMIN).expect(200)).body.items;
}

/** Polls the task until `predicate` holds. */
export function waitForTask(app: TestApp, id: string, predicate: (t: any) => boolean, timeoutMs = 20_000, what = 'task state') {
  return waitFor<any>(
    async () => {
      const t = await getTask(app, id);
      return predicate(t) ? t : undefined;
    },
    timeoutMs,
    `${what} of ${id}`,
  );
}

export async function dlq(app: TestApp, query: Record<string, string | number> = {}): Promise<any> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return (await app.http().get(`/api/scheduler/dlq${qs ? `?${qs}` : ''}`).set(ADMIN).expect(200)).body;
}

export async function createAgent(app: TestApp, body: Record<string, unknown>) {
  const res = await app.http().post('/api/agents').set(ADMIN).send(body);
  if (res.status !== 201) throw new Error(`agent create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** ISO time `ms` from now. */
export const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
