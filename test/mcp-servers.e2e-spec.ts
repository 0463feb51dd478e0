import { rmSync, unlinkSync } from 'node:fs';
import { startHttpMcpServer, HttpMcpFixture } from './fixtures/mcp-test-server';
import {
  ADMIN,
  agentTool,
  allowTools,
  callTool,
  mcpDir,
  metric,
  server,
  servers,
  stdioServer,
  waitConnected,
} from './support/mcp-helpers';
import { startTestApp, TestApp, waitFor } from './support/test-app';

/** MCP servers from mcp.json + mcp.d/*.json over stdio and Streamable HTTP, tools in the agent registry, reload. */
describe('MCP servers', () => {
  let app: TestApp;
  let http: HttpMcpFixture;
  const cfg = mcpDir();

  beforeAll(async () => {
    http = await startHttpMcpServer({ name: 'remote-fixture', memoryTools: false });
    cfg.write('mcp.json', {
      defaultProtocolVersion: '2024-11-05',
      mcpServers: { local: stdioServer({ rate_limit_per_minute: 100 }) },
    });
    // camelCase keys, and a later fragment overriding keys of an earlier file's server
    cfg.write('mcp.d/10-remote.json', {
      mcpServers: { remote: { transport: 'streamable_http', endpoint: http.url, requestTimeoutSecs: 7 } },
    });
    cfg.write('mcp.d/20-tuning.json', {
      mcpServers: {
        local: { maxConcurrentRequests: 2, queue_wait_ms: 50 },
        remote: { rate_limit_per_minute: 500 },
      },
    });
    cfg.write('mcp.d/30-broken.json', '{"mcpServers": {"ghost": {"command": "x",}}');
    cfg.write('mcp.d/40-wrong-type.json', {
      mcpServers: { typo: { command: 'x', max_concurrent_requests: 'four' } },
    });
    cfg.write('mcp.d/50-unknown-key.json', { mcpServers: { remote: { retries_please: 3 } } });
    app = await startTestApp({ env: { MCP_CONFIG_DIR: cfg.dir } });
    await waitConnected(app, ['local', 'remote']);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await http?.close();
    rmSync(cfg.dir, { recursive: true, force: true });
  });

  it('loads both transports, merges fragments by server name (snake_case and camelCase) and lists tools and limits', async () => {
    const list = await servers(app);
    expect(list.items.map((s: any) => s.name)).toEqual(['local', 'remote']);
    const local = list.items[0];
    expect(local).toMatchObject({
      transport: 'stdio',
      connected: true,
      state: 'connected',
      command: process.execPath,
    });
    expect(local.tools).toEqual(
      expect.arrayContaining(['echo', 'sleep', 'fail', 'memory_query', 'memory_upsert']),
    );
    expect(local.registered_tools).toContain('mcp.local.echo');
    expect(local.limits).toMatchObject({
      rate_limit_per_minute: 100,
      max_concurrent_requests: 2,
      queue_wait_ms: 50,
      circuit_breaker_failure_threshold: 5,
    });
    expect(local.sources.map((f: string) => f.split('/').pop())).toEqual(['mcp.json', '20-tuning.json']);
    const remote = list.items[1];
    expect(remote).toMatchObject({
      transport: 'streamable_http',
      connected: true,
      endpoint: http.url,
      request_timeout_secs: 7,
    });
    expect(remote.limits.rate_limit_per_minute).toBe(500);
    expect(remote.circuit).toMatchObject({ state: 'closed', consecutive_failures: 0 });
    expect(remote.window).toMatchObject({ count: 0, limit: 500 });
    expect(remote.counters).toEqual({
      calls: 0,
      ok: 0,
      errors: 0,
      timeouts: 0,
      rate_limited: 0,
      bulkhead: 0,
      circuit_open: 0,
    });
  });

  it('reports a bad fragment (invalid JSON or schema) and still loads the others', async () => {
    const list = await servers(app);
    const errors = list.config_errors.map((e: any) => `${e.file.split('/').pop()}: ${e.error}`);
    expect(errors).toEqual([
      expect.stringMatching(/^30-broken\.json: invalid JSON/),
      expect.stringMatching(/^40-wrong-type\.json: server 'typo': max_concurrent_requests/),
    ]);
    expect(list.config_warnings).toEqual([
      expect.objectContaining({ server: 'remote', error: 'unknown key "retries_please" ignored' }),
    ]);
    const check = await app.http().get('/api/config/self_check').set(ADMIN).expect(200);
    const warning = check.body.warnings.find((w: any) => w.code === 'MCP_CONFIG_INVALID');
    expect(warning.message).toContain('30-broken.json');
    expect(warning.severity).toBe('medium');
  });

  it('lets an operator call a tool on either transport; bad requests are 4xx naming the problem', async () => {
    const viaStdio = await callTool(app, 'local', 'echo', { arguments: { text: 'over stdio' } }).expect(200);
    expect(viaStdio.body).toMatchObject({
      server: 'local',
      tool: 'echo',
      is_error: false,
      content: [{ type: 'text', text: 'over stdio' }],
    });
    const viaHttp = await callTool(app, 'remote', 'echo', { arguments: { text: 'over http' } }).expect(200);
    expect(viaHttp.body.content[0].text).toBe('over http');
    const failed = await callTool(app, 'remote', 'fail', { arguments: { message: 'nope' } }).expect(200);
    expect(failed.body).toMatchObject({ is_error: true, content: [{ type: 'text', text: 'nope' }] });

    expect((await callTool(app, 'nowhere', 'echo', { arguments: {} }).expect(404)).body.code).toBe(
      'MCP_SERVER_NOT_FOUND',
    );
    const noTool = await callTool(app, 'remote', 'nope', { arguments: {} }).expect(404);
    expect(noTool.body).toMatchObject({
      code: 'MCP_TOOL_NOT_FOUND',
      available_tools: expect.arrayContaining(['echo']),
    });
    expect((await callTool(app, 'remote', 'echo', { arguments: 'text' }).expect(400)).body.detail).toContain(
      'arguments',
    );
    expect(
      (await callTool(app, 'remote', 'echo', { arguments: {}, extra: 1 }).expect(400)).body.detail,
    ).toContain('extra');
    expect(
      (await callTool(app, 'remote', 'echo', { arguments: {}, timeout_secs: -1 }).expect(400)).body.detail,
    ).toContain('timeout_secs');
    const audit = await app.http().get('/api/audit?action=mcp.tool.call').set(ADMIN).expect(200);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(3);
  });

  it('registers MCP tools as mcp.<server>.<tool> for agents, honouring the allow-list, with results fenced', async () => {
    await allowTools(app, ['mcp.remote.*', 'mcp.local.echo']);
    const ok = await agentTool(app, 'mcp-tools', 'mcp.local.echo', { text: 'hello agent' });
    expect(ok.run.status).toBe('succeeded');
    expect(ok.result.is_error).toBe(false);
    expect(ok.result.text).toMatch(/^<<<EXTERNAL_DATA source=mcp:local\.echo/);
    expect(ok.result.text).toContain('hello agent');

    const blocked = await agentTool(app, 'mcp-tools', 'mcp.local.fail', {});
    expect(blocked.result).toMatchObject({
      is_error: true,
      text: 'tool mcp.local.fail is not allowed for this agent',
    });
    const toolError = await agentTool(app, 'mcp-tools', 'mcp.remote.fail', { message: 'broken on purpose' });
    expect(toolError.run.status).toBe('succeeded');
    expect(toolError.result.is_error).toBe(true);
    expect(toolError.result.text).toContain('broken on purpose');
    expect(await metric(app, 'tool_calls_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(await metric(app, 'tool_calls_total', { outcome: 'policy_blocked' })).toBe(1);
    expect(await metric(app, 'tool_calls_total', { outcome: 'error' })).toBeGreaterThanOrEqual(1);
  });

  it('resolves secret: references in headers through the vault and never shows the values', async () => {
    const token = 'tok-0123456789-abcdef';
    const secured = await startHttpMcpServer({
      requireHeader: { name: 'x-fixture-token', value: token },
      memoryTools: false,
    });
    try {
      await app.http().put('/api/secrets/fixture_token').set(ADMIN).send({ value: token }).expect(201);
      const fragment = cfg.write('mcp.d/45-secured.json', {
        mcpServers: {
          secured: { endpoint: secured.url, headers: { 'X-Fixture-Token': 'secret:fixture_token' } },
          dangling: { endpoint: secured.url, headers: { 'X-Fixture-Token': 'secret:no_such_secret' } },
        },
      });
      await app.http().post('/api/mcp/reload').set(ADMIN).expect(200);
      await waitConnected(app, ['secured']);
      const res = await callTool(app, 'secured', 'echo', { arguments: { text: 'authorized' } }).expect(200);
      expect(res.body.content[0].text).toBe('authorized');
      const dangling = await waitFor(
        async () => (await server(app, 'dangling'))?.last_error && server(app, 'dangling'),
        10_000,
        'the dangling secret error',
      );
      expect(dangling).toMatchObject({
        connected: false,
        last_error: expect.stringContaining("cannot resolve the server's secrets"),
      });
      expect(JSON.stringify(await servers(app))).not.toContain(token);
      unlinkSync(fragment);
    } finally {
      await app.http().post('/api/mcp/reload').set(ADMIN).expect(200);
      await secured.close();
    }
  });

  it('reconnects a stdio server whose process died', async () => {
    const before = await server(app, 'local');
    await callTool(app, 'local', 'crash', { arguments: {} });
    await waitFor(
      async () =>
        (await server(app, 'local')).connected === false ||
        (await server(app, 'local')).connected_at !== before.connected_at,
      10_000,
      'the crash to be noticed',
    );
    await waitConnected(app, ['local']);
    const res = await callTool(app, 'local', 'echo', { arguments: { text: 'back' } }).expect(200);
    expect(res.body.content[0].text).toBe('back');
  });

  it('POST /api/mcp/reload re-reads the files: removed servers close, new ones connect, organizations restrict visibility', async () => {
    unlinkSync(`${cfg.dir}/mcp.d/30-broken.json`);
    cfg.write('mcp.d/10-remote.json', {
      mcpServers: {
        remote: { transport: 'streamable_http', endpoint: http.url, organizations: ['elsewhere'] },
      },
    });
    cfg.write('mcp.d/60-second.json', { mcpServers: { second: stdioServer() } });
    cfg.write('mcp.json', { mcpServers: {} });
    const res = await app.http().post('/api/mcp/reload').set(ADMIN).expect(200);
    expect(res.body).toMatchObject({ added: ['second'], removed: ['local'], changed: ['remote'] });
    // 20-tuning.json still tunes `local`, which no file defines any more: reported, not started
    expect(res.body.config_errors.map((e: any) => e.server ?? e.file.split('/').pop())).toEqual([
      '40-wrong-type.json',
      'local',
    ]);
    expect(res.body.config_errors[1].error).toBe(
      `server 'local': set "command" (stdio) or "endpoint" (streamable_http)`,
    );
    expect(res.body.config_warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          server: 'remote',
          error: expect.stringContaining("organization 'elsewhere' does not exist"),
        }),
      ]),
    );
    await waitConnected(app, ['second']);
    const list = await servers(app);
    expect(list.items.map((s: any) => s.name)).toEqual(['second']); // remote belongs to another organization now
    expect((await callTool(app, 'remote', 'echo', { arguments: { text: 'x' } }).expect(404)).body.code).toBe(
      'MCP_SERVER_NOT_FOUND',
    );
    await allowTools(app, ['*']);
    const gone = await agentTool(app, 'mcp-reload', 'mcp.local.echo', { text: 'x' });
    expect(gone.result).toMatchObject({ is_error: true, text: 'unknown tool: mcp.local.echo' });
    const hidden = await agentTool(app, 'mcp-reload', 'mcp.remote.echo', { text: 'x' });
    expect(hidden.result.text).toBe('unknown tool: mcp.remote.echo');
    await app.http().post('/api/mcp/reload').set({ Authorization: 'Bearer nope' }).expect(401);
  });
});
