import { DataSource } from 'typeorm';
import { ToolRegistry } from '../src/modules/runtime/tools/tool-registry';
import { startTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const AGENT = 'metrics-agent';

/**
 * Real runs through the runtime (echo provider): slow runs (/sleep), failed runs (/fail) and failing
 * tools (/tool) show up in the snapshot, and the e2e latency and tool reliability SLOs burn and recover.
 */
describe('metrics of real runs and tool calls', () => {
  let app: TestApp;
  let session = 0;
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        METRICS_HISTORY_INTERVAL_S: '1',
        METRICS_SLO_WINDOW_S: '3',
        SLO_E2E_LATENCY_P95_BURN_MS: '400',
      },
    });
    const tools = app.app.get(ToolRegistry);
    tools.register({
      name: 'metrics_ok',
      description: 'always works',
      inputSchema: { type: 'object' },
      execute: async () => ({ content: 'fine' }),
    });
    tools.register({
      name: 'metrics_fail',
      description: 'always fails',
      inputSchema: { type: 'object' },
      execute: async () => ({ content: 'it broke', isError: true }),
    });
    await app
      .http()
      .post('/api/agents')
      .set(admin)
      .send({
        id: AGENT,
        name: 'Metrics agent',
        provider: { type: 'echo' },
        tools: ['metrics_ok', 'metrics_fail'],
      })
      .expect(201);
  });
  afterAll(() => app.close());

  /** Sends each message into its own session (so they run in parallel) and waits until all ended. */
  async function runAll(messages: string[]): Promise<void> {
    const ids: string[] = [];
    for (const message of messages) {
      const key = `agent:${AGENT}:m${++session}`;
      const res = await app
        .http()
        .post(`/api/sessions/${encodeURIComponent(key)}/messages`)
        .set(admin)
        .send({ message })
        .expect(202);
      ids.push(res.body.run_id);
    }
    const ds = app.app.get(DataSource);
    await waitFor(
      async () => {
        const rows: { n: string }[] = await ds.query(
          `SELECT count(*) AS n FROM runs WHERE id = ANY($1) AND status IN ('succeeded', 'failed', 'aborted', 'timed_out')`,
          [ids],
        );
        return Number(rows[0].n) === ids.length;
      },
      30_000,
      'runs to end',
    );
  }

  const snapshot = async () => (await app.http().get('/api/metrics').set(admin).expect(200)).body;
  const summary = async () => (await app.http().get('/api/metrics/summary').set(admin).expect(200)).body;

  it('counts started, succeeded and failed runs, their latency, and tool calls by outcome', async () => {
    const before = await snapshot();
    await runAll([
      '/sleep 700',
      '/sleep 700',
      '/fail on purpose',
      '/tool metrics_fail {}',
      '/tool metrics_ok {}',
      '/tool not_allowed {}',
    ]);
    const after = await snapshot();
    expect(after.runs_started - before.runs_started).toBe(6);
    expect(after.runs_failed - before.runs_failed).toBeGreaterThanOrEqual(1);
    expect(after.runs_succeeded - before.runs_succeeded).toBeGreaterThanOrEqual(4);
    expect(after.run_e2e_latency_ms.p95).toBeGreaterThan(400);
    expect(after.tool_calls.error - before.tool_calls.error).toBe(1);
    expect(after.tool_calls.ok - before.tool_calls.ok).toBe(1);
    expect(after.tool_calls.policy_blocked - before.tool_calls.policy_blocked).toBe(1);
  });

  it('e2e_latency_p95_ms and tool_reliability burn under slow runs and failing tools, then recover', async () => {
    const burning = await waitFor(
      async () => {
        await runAll(['/sleep 600', '/sleep 600', '/tool metrics_fail {}', '/tool metrics_fail {}', 'hello']);
        const s = await summary();
        return s.slo.e2e_latency_p95_ms.status === 'burning' && s.slo.tool_reliability.status === 'burning'
          ? s
          : undefined;
      },
      45_000,
      'both SLOs burning',
    );
    expect(burning.slo.e2e_latency_p95_ms.value).toBeGreaterThan(400);
    expect(burning.slo.tool_reliability.value).toBeLessThan(0.97);

    const recovered = await waitFor(
      async () => {
        await runAll([
          'hello',
          'hello',
          '/tool metrics_ok {}',
          '/tool metrics_ok {}',
          '/tool not_allowed {}',
        ]);
        const s = await summary();
        return s.slo.e2e_latency_p95_ms.status === 'ok' && s.slo.tool_reliability.status === 'ok'
          ? s
          : undefined;
      },
      45_000,
      'both SLOs back to ok',
    );
    expect(recovered.slo.tool_reliability.value).toBe(1); // policy blocks do not count against it

    const audited = async () =>
      (
        await app.app
          .get(DataSource)
          .query(`SELECT target, details FROM audit_log WHERE action = 'slo.transition' ORDER BY seq`)
      ).map((r: { target: string; details: { to: string } }) => `${r.target}:${r.details.to}`);
    await waitFor(
      async () => {
        const entries = await audited();
        return ['slo.e2e_latency_p95_ms', 'slo.tool_reliability'].every(
          (t) => entries.includes(`${t}:burning`) && entries.includes(`${t}:ok`),
        );
      },
      10_000,
      'transitions audited',
    );
  });
});
