import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../../config/app-config';
import { environmentFindings, mcpConfigFiles, mcpFileFindings } from './plaintext-config.checks';

describe('plaintext config checks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-mcp-'));
    mkdirSync(join(dir, 'mcp.d'));
    writeFileSync(
      join(dir, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          github: { command: 'gh-mcp', env: { GITHUB_TOKEN: 'ghp_literal_token_value', LOG_LEVEL: 'debug' } },
          search: { url: 'https://api.example.com/mcp', headers: { Authorization: 'secret:SEARCH_TOKEN' } },
          interp: { command: 'x', env: { API_KEY: '${API_KEY}' } },
        },
      }),
    );
    writeFileSync(join(dir, 'mcp.d', 'bridge.json'), JSON.stringify({ mcpServers: { bridge: { url: 'https://user:pw@bridge.local/mcp', headers: { 'X-Custom': 'Bearer abc.def' } } } }));
    writeFileSync(join(dir, 'mcp.d', 'broken.json'), '{ not json');
    writeFileSync(join(dir, 'mcp.d', 'notes.txt'), 'ignored');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds mcp.json and mcp.d/*.json under DATA_DIR, none in memory mode', () => {
    expect(mcpConfigFiles(dir).map((f) => f.slice(dir.length))).toEqual(['/mcp.json', '/mcp.d/bridge.json', '/mcp.d/broken.json']);
    expect(mcpConfigFiles('memory://')).toEqual([]);
  });

  it('flags literal tokens in env/headers and credentials in URLs, never references or ${VAR}, never printing values', () => {
    const findings = mcpFileFindings(mcpConfigFiles(dir));
    expect(findings.map((f) => [f.code, f.target.replace(dir, '')])).toEqual([
      ['PLAINTEXT_SECRET_IN_CONFIG', 'file:/mcp.json#github.env.GITHUB_TOKEN'],
      ['PLAINTEXT_SECRET_IN_CONFIG', 'file:/mcp.d/bridge.json#bridge.headers.X-Custom'],
      ['PLAINTEXT_SECRET_IN_CONFIG', 'file:/mcp.d/bridge.json#bridge.url'],
      ['MCP_CONFIG_UNREADABLE', 'file:/mcp.d/broken.json'],
    ]);
    const text = JSON.stringify(findings);
    for (const value of ['ghp_literal_token_value', 'abc.def', 'user:pw']) expect(text).not.toContain(value);
  });

  it('flags credential-like environment variables Clawcontrol does not use, not its own or non-secret ones', () => {
    const config = AppConfig.load({
      ENCRYPTION_KEY: 'cd'.repeat(32),
      ADMIN_API_KEY: 'x'.repeat(40),
      GITHUB_TOKEN: 'ghp_0123456789abcdef',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      TOKEN_TTL_SECONDS: '3600',
      OPENAI_API_KEY: 'secret:OPENAI',
      SHORT_TOKEN: 'abc',
      PATH: '/usr/bin',
    });
    const findings = environmentFindings(config);
    expect(findings.map((f) => f.target).sort()).toEqual(['env:AWS_SECRET_ACCESS_KEY', 'env:GITHUB_TOKEN']);
    expect(findings.every((f) => f.code === 'UNREFERENCED_SECRET_IN_ENV' && f.severity === 'medium')).toBe(true);
    expect(JSON.stringify(findings)).not.toContain('ghp_0123456789abcdef');
  });
});
