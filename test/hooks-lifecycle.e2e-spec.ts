import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHooksInfo, runHooksList, runHooksSetEnabled } from '../src/cli/commands/hooks.command';
import { ADMIN, agentTool, allowTools, metric } from './support/mcp-helpers';
import { history, send, waitForRun } from './support/runtime-helpers';
import { startTestApp, TestApp, testEnv, waitFor } from './support/test-app';

/** Writes HOOKS_DIR/<dir>/hook.json + hook.js (run with this node). */
function hook(root: string, dir: string, manifest: Record<string, unknown>, script?: string) {
  mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(
    join(root, dir, 'hook.json'),
    typeof manifest === 'string'
      ? manifest
      : JSON.stringify({ command: process.execPath, args: ['hook.js'], ...manifest }),
  );
  if (script !== undefined) {
    writeFileSync(join(root, dir, 'hook.js'), script);
    chmodSync(join(root, dir, 'hook.js'), 0o755);
  }
}

const READ_STDIN = `const chunks = []; process.stdin.on('data', (c) => chunks.push(c)); process.stdin.on('end', () => main(JSON.parse(Buffer.concat(chunks).toString())));\n`;

function hooksDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'cc-hooks-'));
  const log = join(root, 'events.log');
  hook(
    root,
    'a-logger',
    { name: 'logger', events: ['before_run', 'before_tool', 'after_tool', 'after_run'] },
    `${READ_STDIN}
function main(e) { require('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(e) + '\\n'); process.stdout.write('{"action":"allow"}'); }`,
  );
  hook(
    root,
    'b-crasher',
    { name: 'crasher', events: ['before_tool'] },
    `process.stderr.write('boom\\n'); process.exit(2);`,
  );
  hook(
    root,
    'c-hanger',
    { name: 'hanger', events: ['before_run'], timeout_ms: 300 },
    `setInterval(() => {}, 1000);`,
  );
  hook(
    root,
    'd-guard',
    { name: 'guard', description: 'no deletes, tagged remembers', events: ['before_tool'] },
    `${READ_STDIN}
function main(e) {
  if (e.tool === 'structured_memory_delete') return console.log(JSON.stringify({ action: 'block', reason: 'deletes need a human' }));
  if (e.tool === 'remember') return console.log(JSON.stringify({ action: 'modify', patch: { arguments: { ...e.arguments, content: e.arguments.content + ' (via hook)' } } }));
  console.log('{"action":"allow"}');
}`,
  );
  hook(
    root,
    'e-redactor',
    { name: 'redactor', events: ['before_run'] },
    `${READ_STDIN}
function main(e) { console.log(JSON.stringify({ action: 'modify', patch: { message: e.message.replace(/password=\\S+/g, 'password=[redacted]') } })); }`,
  );
  hook(
    root,
    'f-dormant',
    { name: 'dormant', events: ['before_run'], enabled: false },
    `console.log(JSON.stringify({ action: 'block', reason: 'maintenance window' }));`,
  );
  hook(root, 'g-garbage', { name: 'garbage', events: ['after_tool'] }, `console.log('this is not json');`);
  hook(root, 'h-broken', '{"name": "broken", "events": ["sometimes"]}' as never);
  return root;
}

describe('lifecycle hooks', () => {
  let app: TestApp;
  let root: string;
  const events = () =>
    readFileSync(join(root, 'events.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    root = hooksDir();
    app = await startTestApp({ env: { HOOKS_DIR: root } });
    await allowTools(app, ['remember', 'structured_memory_delete', 'structured_memory_search']);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the hooks of HOOKS_DIR and reports an invalid manifest', async () => {
    const res = await app.http().get('/api/hooks').set(ADMIN).expect(200);
    expect(res.body.items.map((h: any) => `${h.name}:${h.enabled}`)).toEqual([
      'logger:true',
      'crasher:true',
      'hanger:true',
      'guard:true',
      'redactor:true',
      'dormant:false',
      'garbage:true',
    ]);
    expect(res.body.items[2]).toMatchObject({
      events: ['before_run'],
      timeout_ms: 300,
      state_source: 'manifest',
      command: process.execPath,
      args: ['hook.js'],
    });
    expect(res.body.manifest_errors).toEqual([
      { dir: join(root, 'h-broken'), error: expect.stringContaining('hook.json: events.0') },
    ]);
    const one = await app.http().get('/api/hooks/guard').set(ADMIN).expect(200);
    expect(one.body.description).toBe('no deletes, tagged remembers');
    expect((await app.http().get('/api/hooks/nope').set(ADMIN).expect(404)).body.code).toBe('HOOK_NOT_FOUND');
  });

  it('a hanging before_run hook is skipped after its timeout and counted; the run goes on with the message a hook rewrote', async () => {
    const t0 = Date.now();
    const { run_id } = await send(app, 'agent:main:hooks', { message: 'hello password=hunter2' });
    const run = await waitForRun(app, run_id, undefined, 30_000);
    expect(run.status).toBe('succeeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    const h = await history(app, 'agent:main:hooks');
    expect(h.messages[0].content[0].text).toBe('hello password=[redacted]');
    expect(h.messages[1].content[0].text).toBe('Echo: hello password=[redacted]');
    expect(await metric(app, 'hook_failures_total', { hook: 'hanger', reason: 'timeout' })).toBe(1);
    const hanger = (await app.http().get('/api/hooks/hanger').set(ADMIN).expect(200)).body;
    expect(hanger.stats).toMatchObject({
      runs: 1,
      failures: 1,
      last_failure: { reason: 'timeout', event: 'before_run', detail: 'no answer within 300 ms' },
    });
    // after_run hooks run after the run is closed (they never delay it): wait for the line
    const seen = await waitFor(
      () => (events().length >= 2 ? events() : undefined),
      10_000,
      'the after_run hook',
    );
    expect(seen.map((e) => e.event)).toEqual(['before_run', 'after_run']);
    expect(seen[0]).toMatchObject({
      hook: 'logger',
      run_id,
      session_key: 'agent:main:hooks',
      agent_id: 'main',
      message: 'hello password=hunter2',
      source: 'rest',
    });
    expect(seen[1]).toMatchObject({ event: 'after_run', status: 'succeeded', error: null });
  });

  it('before_tool hooks block or rewrite a call; a crashing hook and a garbage answer are skipped and counted', async () => {
    const remembered = await agentTool(app, 'hooks-tools', 'remember', { content: 'likes tea' });
    expect(remembered.run.status).toBe('succeeded');
    expect(remembered.result.is_error).toBe(false);
    expect(JSON.parse(remembered.result.text).remembered.content).toBe('likes tea (via hook)');

    const before = await metric(app, 'tool_calls_total', { outcome: 'policy_blocked' });
    const blocked = await agentTool(app, 'hooks-tools', 'structured_memory_delete', { id: 'x' });
    expect(blocked.run.status).toBe('succeeded');
    expect(blocked.result).toMatchObject({
      is_error: true,
      text: 'tool structured_memory_delete blocked by hook: guard: deletes need a human',
    });
    expect((await metric(app, 'tool_calls_total', { outcome: 'policy_blocked' })) - before).toBe(1);

    expect(await metric(app, 'hook_failures_total', { hook: 'crasher', reason: 'crash' })).toBe(2);
    expect(await metric(app, 'hook_failures_total', { hook: 'garbage', reason: 'invalid_output' })).toBe(1); // the blocked call had no after_tool
    const crasher = (await app.http().get('/api/hooks/crasher').set(ADMIN).expect(200)).body;
    expect(crasher.stats.last_failure).toMatchObject({ reason: 'crash', detail: 'exit code 2: boom' });
    const toolEvents = events().filter((e: any) => e.tool);
    expect(toolEvents.map((e) => `${e.event}:${e.tool}`)).toEqual([
      'before_tool:remember',
      'after_tool:remember',
      'before_tool:structured_memory_delete',
    ]);
    expect(toolEvents[1].result).toMatchObject({ is_error: false });
  });

  it('MCP and hooks routes are in a valid OpenAPI document', async () => {
    const doc = (await app.http().get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/mcp/servers',
        '/api/mcp/servers/{name}/tools/{tool}/call',
        '/api/mcp/reload',
        '/api/hooks',
        '/api/hooks/{name}',
        '/api/hooks/{name}/enable',
        '/api/hooks/{name}/disable',
      ]),
    );
    expect(doc.paths['/api/mcp/servers/{name}/tools/{tool}/call'].post.requestBody).toBeDefined();
    const SwaggerParser = require('@apidevtools/swagger-parser');
    await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
  });

  it('disable/enable is persisted per organization, audited, and takes effect on the next run', async () => {
    const hangerFailures = await metric(app, 'hook_failures_total', { hook: 'hanger' });
    const off = await app.http().post('/api/hooks/hanger/disable').set(ADMIN).expect(200);
    expect(off.body).toMatchObject({
      enabled: false,
      enabled_by_default: true,
      state_source: 'operator',
      updated_by: expect.stringMatching(/^api_key:/),
    });
    const on = await app.http().post('/api/hooks/dormant/enable').set(ADMIN).expect(200);
    expect(on.body.enabled).toBe(true);
    const { run_id } = await send(app, 'agent:main:hooks-2', { message: 'anyone there?' });
    const run = await waitForRun(app, run_id, undefined, 30_000);
    expect(run).toMatchObject({ status: 'failed', error: 'blocked by hook: dormant: maintenance window' });
    expect(await metric(app, 'hook_failures_total', { hook: 'hanger' })).toBe(hangerFailures); // not run again
    await app.http().post('/api/hooks/dormant/disable').set(ADMIN).expect(200);
    const audit = await app.http().get('/api/audit?action=hooks.disable').set(ADMIN).expect(200);
    expect(audit.body.items.map((a: any) => a.target)).toEqual(
      expect.arrayContaining(['hook:hanger', 'hook:dormant']),
    );
    await app.http().post('/api/hooks/nope/disable').set(ADMIN).expect(404);

    const key = await app
      .http()
      .post('/api/auth/api_keys')
      .set(ADMIN)
      .send({ label: 'ro', scopes: ['operator.read'] })
      .expect(201);
    const reader = { Authorization: `Bearer ${key.body.api_key}` };
    await app.http().get('/api/hooks').set(reader).expect(200);
    expect((await app.http().post('/api/hooks/hanger/enable').set(reader).expect(403)).body.code).toBe(
      'MISSING_SCOPE',
    );
  });
});

describe('CLI: hooks list | info | enable | disable', () => {
  let dataDir: string;
  let root: string;
  const env = () => testEnv({ DATABASE_URL: undefined, DATA_DIR: dataDir, HOOKS_DIR: root });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cc-hooks-cli-'));
    root = hooksDir();
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('lists, shows, disables and enables hooks (persisted in the database)', async () => {
    const table: string[] = [];
    expect(await runHooksList({}, (l) => table.push(l), env())).toBe(0);
    expect(table[0]).toMatch(/^NAME\s+ENABLED\s+EVENTS\s+TIMEOUT$/);
    expect(table.find((l) => l.startsWith('hanger'))).toMatch(/^hanger\s+true\s+before_run\s+300 ms$/);
    expect(table.at(-1)).toBe('7 hook(s), 1 invalid');

    const out: string[] = [];
    expect(await runHooksSetEnabled('hanger', false, {}, (l) => out.push(l), env())).toBe(0);
    expect(out).toEqual(['hook hanger disabled for organization default']);
    const info: string[] = [];
    expect(await runHooksInfo('hanger', {}, (l) => info.push(l), env())).toBe(0);
    expect(info[1]).toMatch(/^enabled:\s+false \(set by cli at /);
    const json: string[] = [];
    await runHooksList({ json: true }, (l) => json.push(l), env());
    expect(JSON.parse(json[0]).items.find((h: any) => h.name === 'hanger').enabled).toBe(false);
    expect(await runHooksSetEnabled('hanger', true, {}, () => {}, env())).toBe(0);

    await expect(runHooksInfo('nope', {}, () => {}, env())).rejects.toThrow("hook 'nope' not found");
    await expect(runHooksList({ org: 'missing' }, () => {}, env())).rejects.toThrow(
      "no organization with slug 'missing'",
    );
  }, 120_000);
});
