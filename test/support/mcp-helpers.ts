import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MetricsRegistry } from '../../src/common/metrics/metrics-registry';
import { ADMIN, history, send, waitForRun } from './runtime-helpers';
import { TestApp, waitFor } from './test-app';

export { ADMIN };

/** The stdio MCP fixture as a server entry of mcp.json. */
export const STDIO_FIXTURE = resolve(__dirname, '..', 'fixtures', 'mcp-test-server.js');

export function stdioServer(extra: Record<string, unknown> = {}) {
  return { transport: 'stdio', command: process.execPath, args: [STDIO_FIXTURE], ...extra };
}

/** A scratch MCP_CONFIG_DIR; `write('mcp.d/x.json', doc)` writes a file (objects as JSON). */
export function mcpDir(prefix = 'cc-mcp-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(rel: string, doc: unknown) {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
      return file;
    },
  };
}

export async function servers(app: TestApp, headers: Record<string, string> = ADMIN) {
  return (await app.http().get('/api/mcp/servers').set(headers).expect(200)).body;
}

export async function server(app: TestApp, name: string) {
  return (await servers(app)).items.find((s: any) => s.name === name);
}

export function waitConnected(app: TestApp, names: string[], timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const list = await servers(app);
      return names.every((n) => list.items.find((s: any) => s.name === n)?.connected) ? list : undefined;
    },
    timeoutMs,
    `MCP servers ${names.join(', ')} to connect`,
  );
}

export function callTool(app: TestApp, name: string, tool: string, body: Record<string, unknown>) {
  return app.http().post(`/api/mcp/servers/${name}/tools/${tool}/call`).set(ADMIN).send(body);
}

/** Lets agent `main` call `tools` (patterns). */
export async function allowTools(app: TestApp, tools: string[]) {
  await app.http().patch('/api/agents/main').set(ADMIN).send({ tools }).expect(200);
}

/** Runs `/tool <name> <json>` through the echo agent; returns the run and the tool_result block the model saw. */
export async function agentTool(app: TestApp, session: string, tool: string, args: Record<string, unknown>) {
  const key = `agent:main:${session}`;
  const { run_id } = await send(app, key, { message: `/tool ${tool} ${JSON.stringify(args)}` });
  const run = await waitForRun(app, run_id, undefined, 60_000);
  const h = await history(app, key);
  const blocks = h.messages.flatMap((m: any) => m.content ?? []).filter((b: any) => b.type === 'tool_result');
  return { run, result: blocks[blocks.length - 1] as { text: string; is_error: boolean; name: string } };
}

/** Current value of a counter/gauge series of this app's registry (0 when absent). */
export async function metric(
  app: TestApp,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = app.app.get(MetricsRegistry).registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val),
    )
    .reduce((n, v) => n + v.value, 0);
}
