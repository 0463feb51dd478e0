import { RunEventsService } from '../src/modules/runtime/run-events.service';
import { AppPair, backendsUnavailable, startAppPair } from './support/cluster';
import { ADMIN, defaultOrgId, recordEvents, send, waitForRun } from './support/runtime-helpers';
import { TestApp, waitFor } from './support/test-app';

/**
 * Two app instances (replicas) on one PostgreSQL and one Redis. Uses
 * TEST_DATABASE_URL / TEST_REDIS_URL when set, else private servers started
 * here; skipped (with the reason printed) when neither is available, since
 * embedded PGlite serves one process and in-process event buses are per app.
 */
const reason = backendsUnavailable();
if (reason) console.warn(`runtime multi-instance tests skipped: ${reason}`);
const describeIf = reason ? describe.skip : describe;

describeIf('two replicas on one PostgreSQL + Redis', () => {
  let pair: AppPair | undefined;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    pair = await startAppPair({
      RUN_LEASE_MS: '3000',
      RUN_SWEEP_INTERVAL_MS: '300',
    });
    ({ a, b } = pair);
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('a subscriber on replica B sees the chat events of a run executing on replica A', async () => {
    const orgId = await defaultOrgId(a);
    const events: any[] = [];
    const sub = b.app
      .get(RunEventsService)
      .subscribe({ organizationId: orgId, sessionKey: 'agent:main:fanout' }, (e) => {
        events.push(e);
      });
    const run = await send(a, 'agent:main:fanout', { message: 'across the wire' });
    const chat = (await waitFor(
      () => {
        const c = events
          .filter((e) => e.type === 'chat' && e.payload.runId === run.run_id)
          .map((e) => e.payload.payload);
        const finished = events.some((e) => e.type === 'run.finished' && e.payload.runId === run.run_id);
        return finished && c.some((x) => x.state === 'final') ? c : undefined;
      },
      10_000,
      'final and run.finished on replica B',
    )) as any[];
    sub.unsubscribe();
    expect(chat[0].state).toBe('status');
    expect(chat.filter((c: any) => c.state === 'delta').length).toBeGreaterThanOrEqual(2);
    expect(chat.map((c: any) => c.seq)).toEqual(chat.map((_: any, i: number) => i + 1));
    expect(chat.pop().message.content[0].text).toBe('Echo: across the wire');
    expect(events.some((e) => e.type === 'run.finished' && e.payload.runId === run.run_id)).toBe(true);
    // The run is visible from B too (same database).
    expect((await waitForRun(b, run.run_id)).status).toBe('succeeded');
  });

  it('abort through replica B stops a run executing on replica A promptly', async () => {
    const rec = await recordEvents(b);
    const run = await send(a, 'agent:main:remote-abort', { message: '/sleep 60000' });
    await waitForRun(b, run.run_id, ['running']);
    const t0 = Date.now();
    const res = await b
      .http()
      .post('/api/sessions/agent:main:remote-abort/abort')
      .set(ADMIN)
      .send({})
      .expect(200);
    expect(res.body.run_ids).toEqual([run.run_id]);
    expect((await waitForRun(b, run.run_id, undefined, 5000)).status).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(1500);
    await waitFor(() => rec.chat(run.run_id).some((c) => c.state === 'aborted'), 5000, 'aborted event on B');
    rec.stop();
  });

  it('idempotency holds across replicas', async () => {
    const [x, y] = await Promise.all([
      send(a, 'agent:main:idem-x', { message: 'hi', idempotency_key: 'same' }),
      send(b, 'agent:main:idem-x', { message: 'hi', idempotency_key: 'same' }),
    ]);
    expect(x.run_id).toBe(y.run_id);
  });

  it('one active run per session across replicas: concurrent sends queue, none run in parallel', async () => {
    const key = 'agent:main:serial';
    const sends = await Promise.all(
      [a, b, a, b].map((app, i) => send(app, key, { message: `/sleep ${100 + i}` })),
    );
    expect(sends.filter((s) => s.status === 'running')).toHaveLength(1);
    const runs = await Promise.all(sends.map((s) => waitForRun(a, s.run_id, undefined, 20_000)));
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const spans = runs
      .map((r) => [new Date(r.started_at).getTime(), new Date(r.finished_at).getTime()])
      .sort((p, q) => p[0] - q[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });
});
