/**
 * Bounded load run against Clawcontrol: a mixed HTTP workload (autocannon) and WebSocket bridge
 * clients at the same time, for a fixed duration. Reports errors (must be 0), p50/p99 latency
 * and the service's memory before and after (must not grow without bound).
 *
 *   npm run load                              # spawns the built service on a temp DATA_DIR, 15 s
 *   npm run load -- --duration 30 --connections 20 --ws 20
 *   npm run load -- --url http://127.0.0.1:8080 --key "$ADMIN_KEY"   # an already running service
 *
 * Send load only to a service on this machine or your own test environment. The run stops by
 * itself after --duration seconds (at most 600).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import WebSocket from 'ws';
// autocannon ships no types
const autocannon = require('autocannon');

export interface LoadOptions {
  /** Target; when absent the built service is spawned on a temporary DATA_DIR. */
  url?: string;
  /** operator.admin API key (required with url). */
  apiKey?: string;
  durationSec: number;
  connections: number;
  wsClients: number;
  /** Print progress and the report. */
  verbose?: boolean;
}

export interface LoadReport {
  durationSec: number;
  http: { requests: number; rps: number; errors: number; timeouts: number; non2xx: number; p50Ms: number; p99Ms: number; statuses: Record<string, number> };
  ws: { clients: number; requests: number; errors: number; p50Ms: number; p99Ms: number; chatEvents: number };
  memory: { rssBeforeMb: number; rssAfterMb: number; heapBeforeMb: number; heapAfterMb: number };
  /** Total errors: HTTP errors, timeouts and unexpected statuses, WebSocket failures. */
  errors: number;
}

const ADMIN_KEY_FOR_SPAWNED = 'cc_load_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';
const MB = 1024 * 1024;
/** The built server, whether this file runs compiled (dist/scripts) or from source (ts-jest). */
const DIST_MAIN = resolve(__dirname, __dirname.includes(`${sep}dist${sep}`) ? '..' : join('..', 'dist'), 'src', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The built service on a temporary on-disk DATA_DIR (so data does not inflate the heap), limits lifted. */
async function spawnService(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'cc-load-'));
  const child: ChildProcess = spawn(process.execPath, [DIST_MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ADMIN_API_KEY: ADMIN_KEY_FOR_SPAWNED,
      SESSION_SECRET: 'load-session-secret-0123456789abcdef0123456789',
      ENCRYPTION_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      RATE_LIMIT_ENABLED: 'false',
      SHUTDOWN_GRACE_MS: '3000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 60_000, 'the service to be ready');
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function memory(url: string, key: string): Promise<{ rss: number; heapUsed: number }> {
  const res = await fetch(`${url}/api/health`, { headers: { Authorization: `Bearer ${key}` } });
  const body = (await res.json()) as any;
  const m = body.memory ?? body.details?.memory ?? body.process?.memory;
  if (!m?.rss) throw new Error(`GET /api/health has no memory figures: ${JSON.stringify(body).slice(0, 300)}`);
  return { rss: m.rss, heapUsed: m.heapUsed };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One bridge client: connect, subscribe to chat events, then request/response in a loop until `until`. */
async function wsClient(url: string, key: string, until: number, latencies: number[], counters: { errors: number; chat: number; requests: number }) {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/', { perMessageDeflate: false });
  const pending = new Map<string, { resolve: (f: any) => void; at: number }>();
  let n = 0;
  ws.on('message', (data) => {
    let frame: any;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      counters.errors++;
      return;
    }
    if (frame.type === 'event' && frame.event === 'chat') counters.chat++;
    if (frame.type === 'res' && pending.has(frame.id)) {
      const p = pending.get(frame.id)!;
      pending.delete(frame.id);
      p.resolve(frame);
    }
  });
  const request = (method: string, params: unknown) =>
    new Promise<any>((resolve, reject) => {
      const id = `l${++n}`;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no response in 10 s`));
      }, 10_000);
      pending.set(id, {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        at: Date.now(),
      });
      ws.send(JSON.stringify({ type: 'req', id, method, params }));
    });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const hello = await request('connect', {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'cli', version: 'load', platform: 'linux', mode: 'cli' },
      role: 'operator',
      scopes: ['operator.read', 'operator.write'],
      auth: { token: key },
    });
    if (!hello.ok) throw new Error(`connect refused: ${JSON.stringify(hello.error)}`);
    await request('sessions.subscribe', {});
    while (Date.now() < until) {
      const started = performance.now();
      const res = await request(n % 2 ? 'health' : 'sessions.list', {});
      latencies.push(performance.now() - started);
      counters.requests++;
      if (!res.ok) counters.errors++;
    }
  } catch {
    counters.errors++;
  } finally {
    ws.close();
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const durationSec = Math.min(Math.max(1, options.durationSec), 600);
  const spawned = options.url ? undefined : await spawnService();
  const url = options.url ?? spawned!.url;
  const key = options.apiKey ?? ADMIN_KEY_FOR_SPAWNED;
  const log = (s: string) => options.verbose && process.stdout.write(`${s}\n`);
  try {
    const auth = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    const hook = await fetch(`${url}/api/webhooks`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: `load-${Date.now()}`, session_key: 'agent:main:load-hook' }),
    }).then((r) => r.json() as Promise<any>);
    if (!hook.id) throw new Error(`could not create the load webhook: ${JSON.stringify(hook)}`);

    // Warm-up (JIT, pools, caches), then the baseline memory figure.
    await autocannon({ url, connections: 2, duration: 2, headers: auth, requests: [{ method: 'GET', path: '/api/sessions' }] });
    const before = await memory(url, key);
    log(`warm-up done; rss ${(before.rss / MB).toFixed(0)} MB; running ${durationSec} s with ${options.connections} HTTP connections and ${options.wsClients} WebSocket clients`);

    let counter = 0;
    const statuses: Record<string, number> = {};
    const until = Date.now() + durationSec * 1000;
    const wsLatencies: number[] = [];
    const wsCounters = { errors: 0, chat: 0, requests: 0 };
    const wsDone = Promise.all(Array.from({ length: options.wsClients }, () => wsClient(url, key, until, wsLatencies, wsCounters)));
    const instance = autocannon({
      url,
      connections: options.connections,
      duration: durationSec,
      headers: auth,
      // Each connection cycles through the mix: reads, a chat message into one of 100 sessions, a webhook delivery.
      requests: [
        { method: 'GET', path: '/healthz' },
        { method: 'GET', path: '/api/sessions?limit=20' },
        {
          method: 'POST',
          setupRequest: (req: any) => ({
            ...req,
            path: `/api/sessions/agent:main:load-${counter++ % 100}/messages`,
            body: JSON.stringify({ message: `load ${counter}` }),
          }),
        },
        { method: 'POST', path: `/api/webhooks/${hook.id}/ingest`, body: JSON.stringify({ event: 'load' }) },
        { method: 'GET', path: '/api/metrics' },
      ],
    });
    instance.on('response', (_client: unknown, statusCode: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    const result = await instance;
    await wsDone;
    const after = await memory(url, key);
    const unexpected = Object.entries(statuses)
      .filter(([s]) => !['200', '201', '202'].includes(s))
      .reduce((sum, [, n]) => sum + n, 0);
    wsLatencies.sort((a, b) => a - b);
    const report: LoadReport = {
      durationSec,
      http: {
        requests: result.requests.total,
        rps: Math.round(result.requests.average),
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        statuses,
      },
      ws: {
        clients: options.wsClients,
        requests: wsCounters.requests,
        errors: wsCounters.errors,
        p50Ms: Math.round(percentile(wsLatencies, 50) * 10) / 10,
        p99Ms: Math.round(percentile(wsLatencies, 99) * 10) / 10,
        chatEvents: wsCounters.chat,
      },
      memory: {
        rssBeforeMb: Math.round(before.rss / MB),
        rssAfterMb: Math.round(after.rss / MB),
        heapBeforeMb: Math.round(before.heapUsed / MB),
        heapAfterMb: Math.round(after.heapUsed / MB),
      },
      errors: result.errors + result.timeouts + unexpected + wsCounters.errors,
    };
    return report;
  } finally {
    await spawned?.stop();
  }
}

export function formatReport(r: LoadReport): string {
  return [
    `duration        ${r.durationSec} s`,
    `http            ${r.http.requests} requests, ${r.http.rps} req/s, p50 ${r.http.p50Ms} ms, p99 ${r.http.p99Ms} ms, statuses ${JSON.stringify(r.http.statuses)}`,
    `websocket       ${r.ws.clients} clients, ${r.ws.requests} requests, p50 ${r.ws.p50Ms} ms, p99 ${r.ws.p99Ms} ms, ${r.ws.chatEvents} chat events received`,
    `memory (rss)    ${r.memory.rssBeforeMb} MB before, ${r.memory.rssAfterMb} MB after (heap ${r.memory.heapBeforeMb} → ${r.memory.heapAfterMb} MB)`,
    `errors          ${r.errors}`,
  ].join('\n');
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const url = arg(argv, 'url');
  const apiKey = arg(argv, 'key') ?? process.env.CLAWCONTROL_API_KEY;
  if (url && !apiKey) {
    process.stderr.write('--url needs --key (or CLAWCONTROL_API_KEY): an operator.admin API key\n');
    return 2;
  }
  const report = await runLoad({
    url,
    apiKey,
    durationSec: Number(arg(argv, 'duration') ?? 15),
    connections: Number(arg(argv, 'connections') ?? 10),
    wsClients: Number(arg(argv, 'ws') ?? 10),
    verbose: true,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.errors === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
