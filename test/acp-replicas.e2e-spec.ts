import { connectedClient } from './support/gateway-client';
import { AppPair, backendsUnavailable, startAppPair } from './support/cluster';
import { ADMIN, expectSucceeded, waitForRun } from './support/runtime-helpers';
import { TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';
import { allTargets, spawnAcp, subagentOf, tempWorkspaces } from './support/acp';

/**
 * Two replicas on one PostgreSQL and one Redis: the agent runs on A, the
 * operator is connected to B. Skipped (reason printed) without PostgreSQL and
 * Redis: embedded PGlite serves one process.
 */
const reason = backendsUnavailable();
if (reason) console.warn(`ACP replica tests skipped: ${reason}`);
const describeIf = reason ? describe.skip : describe;

/** A wait on the run's behalf whose timeout also tells where the run is (status, error). */
async function explained<T>(app: TestApp, runId: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    const run = (await app.http().get(`/api/runs/${runId}`).set(ADMIN)).body;
    throw new Error(`${(err as Error).message} (run ${run.status}${run.error ? `: ${run.error}` : ''})`);
  }
}

describeIf('ACP approvals across replicas', () => {
  let pair: AppPair | undefined;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    pair = await startAppPair({
      SUBAGENTS_ACP_ENABLED: 'true',
      SUBAGENTS_ACP_TARGETS: JSON.stringify(allTargets()),
      SUBAGENTS_ACP_DEFAULT_TARGET: 'answer',
      SUBAGENTS_ACP_PERMISSION_MODE: 'ask',
      SUBAGENTS_WORKSPACES_DIR: tempWorkspaces(),
    });
    ({ a, b } = pair);
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('an agent waiting on replica A is released by exec.approval.resolve on replica B', async () => {
    const { client } = await connectedClient(b.baseUrl, TEST_ADMIN_KEY);
    try {
      const spawned = await spawnAcp(a, {
        task: 'clean up',
        runtime_target: 'permission',
        parent_session_key: 'agent:main:main',
      });
      const event = await explained(
        a,
        spawned.run_id,
        waitFor(
          () =>
            client.events.find(
              (e) => e.event === 'exec.approval.requested' && e.payload.request.runId === spawned.run_id,
            ),
          20_000,
          'exec.approval.requested on replica B',
        ),
      );
      const res = await client.request('exec.approval.resolve', {
        id: event.payload.id,
        decision: 'approve',
      });
      expect(res.ok).toBe(true);
      expectSucceeded(await waitForRun(a, spawned.run_id, undefined, 20_000));
      expect((await subagentOf(b, spawned.run_id)).result_text).toBe('permission outcome: allow');
      // One announce in the parent, although both replicas saw run.finished.
      const announces = await waitFor(
        async () => {
          const h = await b.http().get('/api/sessions/agent:main:main/history').set(ADMIN).expect(200);
          const found = h.body.messages.filter((m: any) =>
            m.content[0].text.startsWith(`[subagent ${spawned.key}]`),
          );
          return found.length ? found : undefined;
        },
        15_000,
        'announce',
      );
      expect(announces).toHaveLength(1);
    } finally {
      client.ws.close();
    }
  });

  it('REST on replica B resolves a request of an agent on replica A', async () => {
    const spawned = await spawnAcp(a, { task: 'clean up', runtime_target: 'permission' });
    const pending = await explained(
      a,
      spawned.run_id,
      waitFor(
        async () =>
          (await b.http().get('/api/subagents/approvals').set(ADMIN).expect(200)).body.items.find(
            (x: any) => x.run_id === spawned.run_id,
          ),
        20_000,
        'pending approval on B',
      ),
    );
    await b
      .http()
      .post(`/api/subagents/approvals/${pending.id}/resolve`)
      .set(ADMIN)
      .send({ decision: 'deny' })
      .expect(200);
    expectSucceeded(await waitForRun(a, spawned.run_id, undefined, 20_000));
    expect((await subagentOf(a, spawned.run_id)).result_text).toBe('permission outcome: reject');
  });
});
