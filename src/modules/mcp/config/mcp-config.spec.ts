import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpConfig } from '../mcp.config';
import { loadMcpConfig, snakeKey } from './mcp-config-loader';
import { loadToolsSettings, parseTimeoutOverrides, ToolsConfigError } from './tools-config';
import { overrideFor, toolTimeoutSecs } from '../tools/tool-timeouts';

describe('MCP config files', () => {
  let dir: string;
  const write = (rel: string, doc: unknown) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), typeof doc === 'string' ? doc : JSON.stringify(doc));
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-mcp-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('converts camelCase keys', () => {
    expect(snakeKey('requestTimeoutSecs')).toBe('request_timeout_secs');
    expect(snakeKey('queue_wait_ms')).toBe('queue_wait_ms');
  });

  it('merges mcp.json then mcp.d/*.json alphabetically by server name; later keys win; defaults applied', () => {
    write('mcp.json', {
      defaultProtocolVersion: '2024-11-05',
      mcpServers: { a: { command: 'node', args: ['a.js'], env: { X: '1' } } },
    });
    write('mcp.d/20-b.json', {
      mcpServers: { a: { requestTimeoutSecs: 9 }, b: { url: 'http://127.0.0.1:1/mcp', type: 'http' } },
    });
    write('mcp.d/10-a.json', { mcpServers: { a: { request_timeout_secs: 5, rate_limit_per_minute: 10 } } });
    write('mcp.d/notes.txt', 'ignored');
    const load = loadMcpConfig(dir);
    expect(load.errors).toEqual([]);
    expect(load.defaultProtocolVersion).toBe('2024-11-05');
    const [a, b] = load.servers;
    expect(a).toMatchObject({
      name: 'a',
      transport: 'stdio',
      command: 'node',
      request_timeout_secs: 9,
      rate_limit_per_minute: 10,
      max_concurrent_requests: 4,
      queue_wait_ms: 200,
      circuit_breaker_failure_threshold: 5,
      circuit_breaker_cooldown_secs: 30,
      max_retries: 0,
    });
    expect(a.sources.map((f) => f.split('/').pop())).toEqual(['mcp.json', '10-a.json', '20-b.json']);
    expect(b).toMatchObject({
      name: 'b',
      transport: 'streamable_http',
      endpoint: 'http://127.0.0.1:1/mcp',
      rate_limit_per_minute: 120,
    });
  });

  it('skips a bad file as a whole and reports it; an incomplete server is reported; unknown keys are warnings', () => {
    write('mcp.json', { mcpServers: { good: { command: 'x', colour: 'red' } } });
    write('mcp.d/a.json', 'not json');
    write('mcp.d/b.json', { mcpServers: { good: { max_concurrent_requests: 0 }, other: { command: 'y' } } });
    write('mcp.d/c.json', { servers: {} });
    write('mcp.d/d.json', { mcpServers: { half: { queue_wait_ms: 5 }, 'bad name!': { command: 'z' } } });
    write('mcp.d/e.json', {
      mcpServers: { good: { colour: 'blue' }, sse: { transport: 'sse', endpoint: 'http://x' } },
    });
    write('mcp.d/f.json', { mcpServers: { web: { endpoint: 'ftp://x/y' } } });
    const load = loadMcpConfig(dir);
    expect(load.servers.map((s) => s.name)).toEqual(['good']);
    const errors = load.errors.map((e) => `${e.file.split('/').pop()}: ${e.error}`);
    expect(errors).toEqual([
      expect.stringMatching(/^a\.json: invalid JSON/),
      expect.stringMatching(/^b\.json: server 'good': max_concurrent_requests: /),
      'c.json: missing "mcpServers" object',
      expect.stringMatching(/^d\.json: server name "bad name!"/),
      expect.stringMatching(/^e\.json: server 'sse': transport: /),
      "f.json: server 'web': endpoint must be an http:// or https:// URL",
    ]);
    // warnings of skipped files are not reported (the file is reported as a whole)
    expect(load.warnings).toEqual([
      expect.objectContaining({ server: 'good', error: 'unknown key "colour" ignored' }),
    ]);
  });

  it('reports a server whose merged config misses its transport keys', () => {
    write('mcp.json', {
      mcpServers: { lone: { rate_limit_per_minute: 1 }, web: { transport: 'streamable_http' } },
    });
    const load = loadMcpConfig(dir);
    expect(load.servers).toEqual([]);
    expect(load.errors.map((e) => e.error)).toEqual([
      `server 'lone': set "command" (stdio) or "endpoint" (streamable_http)`,
      `server 'web': streamable_http transport needs "endpoint"`,
    ]);
  });

  it('no directory, no servers', () => {
    expect(loadMcpConfig(undefined).servers).toEqual([]);
    expect(loadMcpConfig(join(dir, 'missing')).files).toEqual([]);
  });
});

describe('tools settings (TOOLS_CONFIG_FILE + environment)', () => {
  const cfg = (o: Partial<McpConfig>) => Object.assign(new McpConfig(), o);
  const runbookYaml = [
    'default_tool_timeout_secs: 30',
    'tool_timeout_overrides:',
    '  bash: 90',
    '  browser: 45',
    '  web_fetch: 20',
    '  web_search: 20',
    'default_mcp_request_timeout_secs: 120',
    'web_fetch_validation:',
    '  enabled: true',
    '  strict_mode: false',
    '  max_scan_bytes: 100000',
    'web_fetch_url_validation:',
    '  enabled: true',
    '  allowed_schemes: ["https"]',
    '  allowlist_hosts: []',
    '  denylist_hosts: ["localhost"]',
  ].join('\n');

  it("reads the runbook's YAML example; built-in defaults without a file", () => {
    const s = loadToolsSettings(cfg({ toolsConfigFile: 'tools.yaml' }), () => runbookYaml);
    expect(s).toMatchObject({
      defaultToolTimeoutSecs: 30,
      defaultMcpRequestTimeoutSecs: 120,
      toolTimeoutOverrides: { bash: 90, web_fetch: 20 },
    });
    expect(s.webFetchValidation).toEqual({ enabled: true, strict_mode: false, max_scan_bytes: 100000 });
    expect(s.webFetchUrlValidation).toMatchObject({
      allowed_schemes: ['https'],
      denylist_hosts: ['localhost'],
      allow_private_hosts: [],
      feed_sync: { enabled: false, fail_open: true },
    });
    const d = loadToolsSettings(cfg({}));
    expect(d).toMatchObject({
      defaultToolTimeoutSecs: 30,
      defaultMcpRequestTimeoutSecs: 120,
      toolTimeoutOverrides: {},
    });
    expect(d.webFetchValidation.strict_mode).toBe(true);
    expect(d.webFetchUrlValidation.denylist_hosts).toEqual(['localhost', '127.0.0.1', '169.254.169.254']);
  });

  it('the environment wins over the file; overrides merge by tool (JSON or name=secs)', () => {
    const s = loadToolsSettings(
      cfg({
        toolsConfigFile: 't.yaml',
        defaultToolTimeoutSecs: 12,
        defaultMcpRequestTimeoutSecs: 7,
        toolTimeoutOverrides: 'web_fetch=5,mcp.github.*=60',
      }),
      () => runbookYaml,
    );
    expect(s).toMatchObject({ defaultToolTimeoutSecs: 12, defaultMcpRequestTimeoutSecs: 7 });
    expect(s.toolTimeoutOverrides).toEqual({
      bash: 90,
      browser: 45,
      web_fetch: 5,
      web_search: 20,
      'mcp.github.*': 60,
    });
    expect(parseTimeoutOverrides('{"a": 1.5}')).toEqual({ a: 1.5 });
    expect(() => parseTimeoutOverrides('a=0')).toThrow(ToolsConfigError);
    expect(() => parseTimeoutOverrides('{"a": "x"}')).toThrow('TOOL_TIMEOUT_OVERRIDES');
  });

  it('an invalid file is an error naming the file and the key', () => {
    expect(() =>
      loadToolsSettings(cfg({ toolsConfigFile: 'x.yaml' }), () => 'default_tool_timeout_secs: -1'),
    ).toThrow(/x\.yaml: default_tool_timeout_secs/);
    expect(() =>
      loadToolsSettings(cfg({ toolsConfigFile: 'x.yaml' }), () => 'web_fetch_validation:\n  strict: true'),
    ).toThrow(/web_fetch_validation/);
    expect(() => loadToolsSettings(cfg({ toolsConfigFile: 'x.json' }), () => '{')).toThrow(
      /x\.json: cannot parse/,
    );
    expect(() =>
      loadToolsSettings(cfg({ toolsConfigFile: 'missing.yaml' }), () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      }),
    ).toThrow('TOOLS_CONFIG_FILE missing.yaml: cannot read (ENOENT)');
  });

  it('timeout precedence: input > override (exact, then longest prefix*) > MCP request timeout or default', () => {
    const s = {
      defaultToolTimeoutSecs: 30,
      toolTimeoutOverrides: { web_fetch: 20, 'mcp.*': 50, 'mcp.gh.*': 60, 'mcp.gh.search': 70 },
    };
    expect(toolTimeoutSecs(s, 'web_fetch', 3)).toBe(3);
    expect(toolTimeoutSecs(s, 'web_fetch', undefined)).toBe(20);
    expect(toolTimeoutSecs(s, 'bash', undefined)).toBe(30);
    expect(toolTimeoutSecs(s, 'mcp.gh.search', undefined, 120)).toBe(70);
    expect(toolTimeoutSecs(s, 'mcp.gh.list', undefined, 120)).toBe(60);
    expect(toolTimeoutSecs(s, 'mcp.x.y', undefined, 120)).toBe(50);
    expect(toolTimeoutSecs({ ...s, toolTimeoutOverrides: {} }, 'mcp.x.y', undefined, 120)).toBe(120);
    expect(toolTimeoutSecs(s, 'bash', -1)).toBe(30);
    expect(overrideFor({}, 'x')).toBeUndefined();
  });
});
