import { rmSync } from 'node:fs';
import { HttpMcpFixture, startHttpMcpServer } from './fixtures/mcp-test-server';
import {
  agentTool,
  allowTools,
  callTool,
  mcpDir,
  metric,
  server,
  waitConnected,
} from './support/mcp-helpers';
import { startTestApp, TestApp, waitFor } from './support/test-app';

const http = (url: string, extra: Record<string, unknown>) => ({
  transport: 'streamable_http',
  endpoint: url,
  ...extra,
});

/** Each guardrail rejects, counts (per server and in the metrics) and answers clearly; the breaker opens, half-opens and closes; timeouts follow their precedence. */
describe('MCP guardrails', () => {
  let app: TestApp;
  let fixture: HttpMcpFixture;
  const cfg = mcpDir('cc-mcp-guard-');

  beforeAll(async () => {
    fixture = await startHttpMcpServer({ memoryTools: false });
    cfg.write('mcp.json', {
      mcpServers: {
        limited: http(fixture.url, { rate_limit_per_minute: 3 }),
        narrow: http(fixture.url, { max_concurrent_requests: 1, queue_wait_ms: 100 }),
        flaky: http(fixture.url, { circuit_breaker_failure_threshold: 2, circuit_breaker_cooldown_secs: 1 }),
        slow: http(fixture.url, { request_timeout_secs: 1.5 }),
        plain: http(fixture.url, {}),
      },
    });
    cfg.write(
      'tools.yaml',
      [
        'default_tool_timeout_secs: 30',
        'default_mcp_request_timeout_secs: 60',
        'tool_timeout_overrides:',
        '  mcp.slow.sleep: 0.5',
        '  web_fetch: 20',
      ].join('\n'),
    );
    app = await startTestApp({
      env: {
        MCP_CONFIG_DIR: cfg.dir,
        TOOLS_CONFIG_FILE: `${cfg.dir}/tools.yaml`,
        DEFAULT_MCP_REQUEST_TIMEOUT_SECS: '1',
      },
    });
    await waitConnected(app, ['limited', 'narrow', 'flaky', 'slow', 'plain']);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await fixture?.close();
    rmSync(cfg.dir, { recursive: true, force: true });
  });

  it('rate limit: a fixed 60 s window of rate_limit_per_minute calls, then 429 with Retry-After; the server never sees the rejected call', async () => {
    const before = fixture.state.calls.echo ?? 0;
    for (let i = 0; i < 3; i++)
      await callTool(app, 'limited', 'echo', { arguments: { text: `${i}` } }).expect(200);
    const res = await callTool(app, 'limited', 'echo', { arguments: { text: 'one too many' } }).expect(429);
    expect(res.body.code).toBe('MCP_RATE_LIMITED');
    expect(res.body.detail).toMatch(
      /^MCP server 'limited' rate limit reached \(3 calls per minute\); retry after \d+s$/,
    );
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(50);
    expect(fixture.state.calls.echo - before).toBe(3);
    const s = await server(app, 'limited');
    expect(s.counters).toMatchObject({ calls: 3, ok: 3, rate_limited: 1 });
    expect(s.window).toMatchObject({ count: 3, limit: 3 });
    expect(await metric(app, 'mcp_rate_limited_rejections_total', { server: 'limited' })).toBe(1);

    // the agent gets a tool error, the run goes on
    await allowTools(app, ['mcp.*']);
    const viaAgent = await agentTool(app, 'guard-rate', 'mcp.limited.echo', { text: 'x' });
    expect(viaAgent.run.status).toBe('succeeded');
    expect(viaAgent.result).toMatchObject({
      is_error: true,
      text: expect.stringContaining("MCP server 'limited' rate limit reached"),
    });
    expect(await metric(app, 'tool_calls_total', { outcome: 'rejected' })).toBeGreaterThanOrEqual(1);
  });

  it('bulkhead: max_concurrent_requests in flight, a caller waits queue_wait_ms for a slot, then 503', async () => {
    const long = callTool(app, 'narrow', 'sleep', { arguments: { ms: 700 } });
    const longDone = long.then((r) => r);
    await waitFor(
      async () => (await server(app, 'narrow')).in_flight === 1,
      5000,
      'the long call to be in flight',
    );
    const started = Date.now();
    const res = await callTool(app, 'narrow', 'echo', { arguments: { text: 'squeezed out' } }).expect(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(res.body.code).toBe('MCP_BULKHEAD_FULL');
    expect(res.body.detail).toContain(
      "MCP server 'narrow' is busy (1 calls in flight, no slot within 100 ms)",
    );
    expect((await longDone).status).toBe(200);
    const s = await server(app, 'narrow');
    expect(s).toMatchObject({ in_flight: 0, queued: 0 });
    expect(s.counters.bulkhead).toBe(1);
    expect(await metric(app, 'mcp_bulkhead_rejections_total', { server: 'narrow' })).toBe(1);
  });

  it('bulkhead: a call that gets a slot within queue_wait_ms waits in the queue and succeeds', async () => {
    const short = callTool(app, 'narrow', 'sleep', { arguments: { ms: 30 } }).then((r) => r);
    const queued = callTool(app, 'narrow', 'echo', { arguments: { text: 'after you' } }).then((r) => r);
    expect((await short).status).toBe(200);
    expect((await queued).body.content[0].text).toBe('after you');
  });

  it('circuit breaker: opens after consecutive failures, refuses during the cooldown, half-opens for ONE trial, then closes', async () => {
    const seen = () => fixture.state.calls.fail ?? 0;
    const before = seen();
    await callTool(app, 'flaky', 'fail', { arguments: {} }).expect(200);
    expect((await server(app, 'flaky')).circuit).toMatchObject({ state: 'closed', consecutive_failures: 1 });
    await callTool(app, 'flaky', 'fail', { arguments: {} }).expect(200);
    expect((await server(app, 'flaky')).circuit).toMatchObject({
      state: 'open',
      consecutive_failures: 2,
      opens: 1,
    });

    const refused = await callTool(app, 'flaky', 'echo', { arguments: { text: 'x' } }).expect(503);
    expect(refused.body.code).toBe('MCP_CIRCUIT_OPEN');
    expect(refused.body.detail).toMatch(/^MCP server 'flaky' circuit open; retry after 1s$/);
    expect(seen() - before).toBe(2);
    expect(await metric(app, 'mcp_circuit_open_rejections_total', { server: 'flaky' })).toBe(1);

    await waitFor(
      async () => (await server(app, 'flaky')).circuit.state === 'half_open',
      5000,
      'the cooldown to pass',
    );
    // one trial call goes through; a second call meanwhile is refused
    const trial = callTool(app, 'flaky', 'sleep', { arguments: { ms: 400 } }).then((r) => r);
    await waitFor(
      async () => (await server(app, 'flaky')).in_flight === 1,
      5000,
      'the trial call to be in flight',
    );
    const duringTrial = await callTool(app, 'flaky', 'echo', { arguments: { text: 'x' } }).expect(503);
    expect(duringTrial.body.detail).toContain('circuit half-open (trial call in progress)');
    expect((await trial).status).toBe(200);
    expect((await server(app, 'flaky')).circuit).toMatchObject({ state: 'closed', consecutive_failures: 0 });
    await callTool(app, 'flaky', 'echo', { arguments: { text: 'closed again' } }).expect(200);

    // a failed trial opens it again for another cooldown
    await callTool(app, 'flaky', 'fail', { arguments: {} });
    await callTool(app, 'flaky', 'fail', { arguments: {} });
    await waitFor(
      async () => (await server(app, 'flaky')).circuit.state === 'half_open',
      5000,
      'the second cooldown',
    );
    await callTool(app, 'flaky', 'fail', { arguments: {} }).expect(200);
    const reopened = (await server(app, 'flaky')).circuit;
    expect(reopened).toMatchObject({ state: 'open', opens: 3 });
    expect((await server(app, 'flaky')).counters.circuit_open).toBe(2);

    // an agent calling while it is open gets a tool error and its run succeeds
    const viaAgent = await agentTool(app, 'guard-breaker', 'mcp.flaky.echo', { text: 'x' });
    expect(viaAgent.run.status).toBe('succeeded');
    expect(viaAgent.result.text).toMatch(/MCP server 'flaky' circuit (open|half-open)/);
  });

  it('timeouts: input timeout_secs > tool_timeout_overrides.<tool> > server request_timeout_secs > default_mcp_request_timeout_secs', async () => {
    const timed = async (server: string, body: Record<string, unknown>) => {
      const t0 = Date.now();
      const res = await callTool(app, server, 'sleep', body);
      return { res, ms: Date.now() - t0 };
    };
    // override (0.5 s) beats the server's 1.5 s
    const override = await timed('slow', { arguments: { ms: 1200 } });
    expect(override.res.status).toBe(504);
    expect(override.res.body.code).toBe('MCP_TOOL_TIMEOUT');
    expect(override.ms).toBeLessThan(1150);
    // the input's timeout_secs beats the override, in both directions
    const shorter = await timed('slow', { arguments: { ms: 1200 }, timeout_secs: 0.2 });
    expect(shorter.res.status).toBe(504);
    expect(shorter.ms).toBeLessThan(450);
    const longer = await timed('slow', { arguments: { ms: 800 }, timeout_secs: 1.2 });
    expect(longer.res.status).toBe(200);
    // …but never past the server's MCP request timeout (1.5 s)
    const capped = await timed('slow', { arguments: { ms: 3000 }, timeout_secs: 10 });
    expect(capped.res.status).toBe(504);
    expect(capped.ms).toBeLessThan(2800);
    // a server without request_timeout_secs: DEFAULT_MCP_REQUEST_TIMEOUT_SECS (1, env beats the file's 60)
    const byDefault = await timed('plain', { arguments: { ms: 2500 } });
    expect(byDefault.res.status).toBe(504);
    expect(byDefault.ms).toBeLessThan(2300);
    expect((await server(app, 'slow')).counters.timeouts).toBe(3);
    expect((await server(app, 'plain')).request_timeout_secs).toBe(1);

    // agents: the registry enforces the same budget and reports outcome timeout
    const viaAgent = await agentTool(app, 'guard-timeout', 'mcp.slow.sleep', { ms: 1200 });
    expect(viaAgent.run.status).toBe('succeeded');
    expect(viaAgent.result).toMatchObject({ is_error: true, text: expect.stringContaining('timed out') });
    expect(await metric(app, 'tool_calls_total', { outcome: 'timeout' })).toBeGreaterThanOrEqual(1);
  });
});
