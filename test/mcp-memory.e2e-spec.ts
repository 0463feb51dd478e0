import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { HttpMcpFixture, startHttpMcpServer } from './fixtures/mcp-test-server';
import { ADMIN, agentTool, allowTools, mcpDir, waitConnected } from './support/mcp-helpers';
import { startTestApp, TestApp, waitFor } from './support/test-app';

/** Structured memory: MCP-first when a server exposes memory_query + memory_upsert, per-operation fallback to PostgreSQL with classified reasons. */
describe('memory backend', () => {
  let app: TestApp;
  let mem: HttpMcpFixture;
  const cfg = mcpDir('cc-mcp-mem-');
  const health = async () => (await app.http().get('/api/health').set(ADMIN).expect(200)).body.memory_backend;
  const tool = async (name: string, args: Record<string, unknown>, session = 'memory') => {
    const { run, result } = await agentTool(app, session, name, args);
    expect(run.status).toBe('succeeded');
    return { ...result, json: result.is_error ? undefined : JSON.parse(result.text) };
  };
  const rows = async () =>
    app.app.get(DataSource).query(`SELECT content, chat_key, tags FROM memories ORDER BY created_at`);

  beforeAll(async () => {
    mem = await startHttpMcpServer({ name: 'memory-fixture' });
    cfg.write('mcp.json', {
      mcpServers: {
        mem: {
          transport: 'streamable_http',
          endpoint: mem.url,
          request_timeout_secs: 1,
          circuit_breaker_failure_threshold: 0,
        },
      },
    });
    app = await startTestApp({ env: { MCP_CONFIG_DIR: cfg.dir } });
    await waitConnected(app, ['mem']);
    await allowTools(app, ['remember', 'structured_memory_*']);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await mem?.close();
    rmSync(cfg.dir, { recursive: true, force: true });
  });

  it('uses the MCP server as primary after a successful startup probe', async () => {
    const h = await waitFor(
      async () => ((await health()).startup_probe_ok === true ? health() : undefined),
      10_000,
      'the startup probe',
    );
    expect(h).toMatchObject({
      primary: 'mcp',
      server: 'mem',
      consecutive_primary_failures: 0,
      total_fallbacks: 0,
      last_fallback_reason: null,
    });
    const remembered = await tool('remember', { content: 'likes tea', tags: ['drinks'] });
    expect(remembered.json.remembered).toMatchObject({
      content: 'likes tea',
      tags: ['drinks'],
      backend: 'mcp',
    });
    expect([...mem.state.memory.values()].map((m) => m.content)).toEqual(['likes tea']);
    expect(await rows()).toEqual([]);
    const found = await tool('structured_memory_search', { query: 'TEA' });
    expect(found.json.items).toEqual([expect.objectContaining({ content: 'likes tea', backend: 'mcp' })]);
  });

  it('falls back to PostgreSQL per operation, with the reason classified', async () => {
    const cases: [string, string][] = [
      ['garbage', 'invalid_payload'],
      ['unsupported', 'unsupported_operation'],
      ['fail', 'server_error'],
      ['slow', 'timeout'],
    ];
    let n = 0;
    for (const [mode, reason] of cases) {
      mem.state.memoryMode = mode as never;
      const r = await tool('remember', { content: `fact while ${mode}` });
      expect(r.json.remembered).toMatchObject({ content: `fact while ${mode}`, backend: 'postgres' });
      n++;
      expect(await health()).toMatchObject({
        primary: 'mcp',
        last_fallback_reason: reason,
        consecutive_primary_failures: n,
        total_fallbacks: n,
      });
    }
    expect((await rows()).map((r: any) => r.content)).toEqual(cases.map(([m]) => `fact while ${m}`));
    // reads fall back too, and see what was written during fallbacks
    mem.state.memoryMode = 'garbage';
    const fallbackSearch = await tool('structured_memory_search', { query: 'while' });
    expect(fallbackSearch.json.items.map((i: any) => i.backend)).toEqual([
      'postgres',
      'postgres',
      'postgres',
      'postgres',
    ]);

    // once the server behaves, operations go back to it
    mem.state.memoryMode = 'ok';
    const back = await tool('structured_memory_search', {});
    expect(back.json.items).toEqual([expect.objectContaining({ content: 'likes tea', backend: 'mcp' })]);
    expect((await health()).consecutive_primary_failures).toBe(0);
  });

  it('updates and deletes rows where they live; memories belong to their chat', async () => {
    expect((await tool('structured_memory_search', { query: 'while garbage' })).json.items).toEqual([]); // not in the MCP store
    mem.state.memoryMode = 'garbage';
    const pgItem = (await tool('structured_memory_search', { query: 'while garbage' })).json.items[0];
    mem.state.memoryMode = 'ok';
    expect(pgItem.backend).toBe('postgres');
    const updated = await tool('structured_memory_update', { id: pgItem.id, tags: ['fixed'] });
    expect(updated.json.updated).toMatchObject({ id: pgItem.id, tags: ['fixed'], backend: 'postgres' });
    const mcpItem = [...mem.state.memory.values()][0];
    const edited = await tool('structured_memory_update', { id: mcpItem.id, content: 'loves tea' });
    expect(edited.json.updated).toMatchObject({ content: 'loves tea', backend: 'mcp' });
    expect((await tool('structured_memory_delete', { id: pgItem.id })).json).toEqual({ deleted: pgItem.id });
    expect((await tool('structured_memory_delete', { id: mcpItem.id })).json).toEqual({
      deleted: mcpItem.id,
    });
    expect(mem.state.memory.size).toBe(0);
    const missing = await tool('structured_memory_delete', { id: mcpItem.id });
    expect(missing).toMatchObject({ is_error: true, text: `no memory '${mcpItem.id}' in this chat` });
    const other = await tool('structured_memory_search', {}, 'someone-else');
    expect(other.json.items).toEqual([]);
    const bad = await tool('remember', { content: '', tags: 'x' });
    expect(bad).toMatchObject({ is_error: true, text: 'remember: content must be 1-10000 characters' });
    const noChange = await tool('structured_memory_update', { id: 'x' });
    expect(noChange.text).toBe('structured_memory_update: give content and/or tags');
  });

  it('a server that is down is a transport fallback; a failed startup probe is reported; without a memory server PostgreSQL is primary', async () => {
    await mem.close();
    const r = await tool('remember', { content: 'server is down' });
    expect(r.json.remembered.backend).toBe('postgres');
    expect((await health()).last_fallback_reason).toBe('transport');

    const broken = await startHttpMcpServer({ memoryMode: 'garbage' });
    try {
      cfg.write('mcp.json', { mcpServers: { mem2: { transport: 'streamable_http', endpoint: broken.url } } });
      await app.http().post('/api/mcp/reload').set(ADMIN).expect(200);
      await waitConnected(app, ['mem2']);
      const h = await waitFor(
        async () => ((await health()).startup_probe_ok === false ? health() : undefined),
        10_000,
        'the failed probe',
      );
      expect(h).toMatchObject({ primary: 'mcp', server: 'mem2', startup_probe_ok: false });
    } finally {
      await broken.close();
    }
    cfg.write('mcp.json', { mcpServers: {} });
    await app.http().post('/api/mcp/reload').set(ADMIN).expect(200);
    expect(await health()).toMatchObject({ primary: 'postgres', server: null });
    const pgOnly = await tool('remember', { content: 'plain postgres' });
    expect(pgOnly.json.remembered.backend).toBe('postgres');
  });
});
