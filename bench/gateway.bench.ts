/**
 * Gateway bridge benchmark: `health` RPC round trips per second on one
 * connection and on 8 connections × 16 requests in flight (p50/p99 latency),
 * and memory per idle authenticated connection at 1,000 and 10,000
 * connections. The service runs as a child process (`node dist/src/main.js`,
 * as operators run it); the same-run baseline is a bare `ws` echo server in
 * its own child process, driven by the same client code with the same frames.
 *
 * Environment: BENCH_GATEWAY_SECONDS (per throughput phase, default 5),
 * BENCH_GATEWAY_IDLE (comma-separated idle connection counts, default 1000,10000).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import {
  type BenchResult,
  freePort,
  percentile,
  round,
  runIfMain,
  serviceMain,
  spawnNode,
  stopChild,
  waitForUrl,
} from './support';

const SECONDS = Number(process.env.BENCH_GATEWAY_SECONDS ?? 5);
const IDLE_COUNTS = (process.env.BENCH_GATEWAY_IDLE ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
const CONNECT_CONCURRENCY = 100;
const ADMIN_KEY = `cc_bench_admin_${randomBytes(24).toString('hex')}`;

/** Resident set size of a process in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  name: string;
  url: string;
  pid: number;
  /** Opens one socket ready for requests (the bridge: challenge + connect). */
  open(): Promise<WebSocket>;
  stop(): Promise<void>;
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });
}

async function startGateway(idleMax: number): Promise<Target> {
  const port = await freePort();
  const service = spawnNode([serviceMain()], {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'warn',
    ADMIN_API_KEY: ADMIN_KEY,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    RATE_LIMIT_ENABLED: 'false',
    MAX_WEBSOCKET_CONNECTIONS: String(idleMax + 100),
    GATEWAY_HANDSHAKE_TIMEOUT_MS: '120000',
    HTTP_METRICS_ENABLED: 'true',
  });
  const url = `ws://127.0.0.1:${port}/`;
  await waitForUrl(`http://127.0.0.1:${port}/healthz`, service);
  return {
    name: 'gateway',
    url,
    pid: service.child.pid!,
    open: () =>
      new Promise<WebSocket>((resolve, reject) => {
        // The challenge may arrive in the same packet as the upgrade answer: listen before 'open'.
        const ws = new WebSocket(url, { perMessageDeflate: false });
        const timer = setTimeout(() => reject(new Error('no hello-ok within 60 s')), 60_000);
        const onMessage = (data: WebSocket.RawData) => {
          const frame = JSON.parse(data.toString());
          if (frame.event === 'connect.challenge') {
            ws.send(
              JSON.stringify({
                type: 'req',
                id: 'connect',
                method: 'connect',
                params: { minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'bench', platform: 'linux', mode: 'cli' }, auth: { token: ADMIN_KEY } },
              }),
            );
          } else if (frame.id === 'connect') {
            clearTimeout(timer);
            ws.off('message', onMessage);
            if (frame.ok) resolve(ws);
            else reject(new Error(`connect failed: ${JSON.stringify(frame.error)}`));
          }
        };
        ws.on('message', onMessage);
        ws.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        ws.once('unexpected-response', (_q, res) => {
          clearTimeout(timer);
          reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
        });
      }),
    stop: () => stopChild(service.child),
  };
}

/** A bare `ws` echo server: the same library, no protocol, no auth — the ceiling for this machine. */
async function startEcho(): Promise<Target> {
  const port = await freePort();
  const script = `
    const { WebSocketServer } = require('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: ${port}, perMessageDeflate: false, clientTracking: false });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  `;
  const echo = spawnNode(['-e', script], {});
  const url = `ws://127.0.0.1:${port}/`;
  await waitForUrl(`http://127.0.0.1:${port}/`, echo);
  return { name: 'echo', url, pid: echo.child.pid!, open: () => openSocket(url), stop: () => stopChild(echo.child) };
}

interface Throughput {
  rps: number;
  p50: number;
  p99: number;
}

/**
 * Drives `connections` sockets with `inFlight` outstanding `health` requests each
 * for SECONDS. The echo server answers by reflecting the frame, which carries the
 * same id, so the client code is identical for both targets.
 */
async function throughput(target: Target, connections: number, inFlight: number): Promise<Throughput> {
  const sockets = await Promise.all(Array.from({ length: connections }, () => target.open()));
  const latencies: number[] = [];
  let completed = 0;
  let running = true;
  const warmupUntil = performance.now() + 500;
  const drivers = sockets.map(
    (ws, c) =>
      new Promise<void>((resolve) => {
        const sentAt = new Map<string, number>();
        let next = 0;
        const send = () => {
          const id = `${c}-${next++}`;
          sentAt.set(id, performance.now());
          ws.send(`{"type":"req","id":"${id}","method":"health"}`);
        };
        ws.on('message', (data) => {
          const text = data.toString();
          const idMatch = /"id":"([^"]+)"/.exec(text);
          if (!idMatch) return; // events (tick) carry no id
          const started = sentAt.get(idMatch[1]);
          if (started === undefined) return;
          sentAt.delete(idMatch[1]);
          const now = performance.now();
          if (now > warmupUntil) {
            latencies.push(now - started);
            completed++;
          }
          if (running) send();
          else if (sentAt.size === 0) resolve();
        });
        for (let i = 0; i < inFlight; i++) send();
      }),
  );
  await sleep(500);
  const t0 = performance.now();
  const c0 = completed;
  await sleep(SECONDS * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const done = completed - c0;
  running = false;
  await Promise.race([Promise.all(drivers), sleep(5000)]);
  sockets.forEach((ws) => ws.terminate());
  latencies.sort((a, b) => a - b);
  return { rps: done / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

interface IdleMemory {
  perConnectionBytes: number;
  opened: number;
  error?: string;
}

async function idleMemory(target: Target, count: number): Promise<IdleMemory> {
  await sleep(1000);
  const before = rssOf(target.pid);
  const sockets: WebSocket[] = [];
  let error: string | undefined;
  try {
    for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
      const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - i) }, () => target.open()));
      sockets.push(...batch);
    }
  } catch (err) {
    error = (err as Error).message;
  }
  await sleep(3000); // let allocation settle (handshake garbage collected)
  const after = rssOf(target.pid);
  sockets.forEach((ws) => ws.terminate());
  await sleep(1000);
  return { perConnectionBytes: sockets.length ? Math.max(0, after - before) / sockets.length : NaN, opened: sockets.length, error };
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const idleMax = Math.max(0, ...IDLE_COUNTS);
  const gateway = await startGateway(idleMax);
  const echo = await startEcho();
  try {
    const g1 = await throughput(gateway, 1, 1);
    const e1 = await throughput(echo, 1, 1);
    const g8 = await throughput(gateway, 8, 16);
    const e8 = await throughput(echo, 8, 16);
    results.push(
      { name: 'gateway health RPC, 1 connection, 1 in flight', value: round(g1.rps, 0), unit: 'req/s', baseline: 'bare ws echo, same client', baselineValue: round(e1.rps, 0), ratio: round(g1.rps / e1.rps, 2), goal: 'ratio >= 0.6' },
      { name: 'gateway health RPC p50, 1 connection', value: round(g1.p50, 3), unit: 'ms', baseline: 'bare ws echo p50', baselineValue: round(e1.p50, 3), ratio: round(g1.p50 / e1.p50, 2) },
      { name: 'gateway health RPC p99, 1 connection', value: round(g1.p99, 3), unit: 'ms', baseline: 'bare ws echo p99', baselineValue: round(e1.p99, 3), ratio: round(g1.p99 / e1.p99, 2) },
      { name: 'gateway health RPC, 8 connections x 16 in flight', value: round(g8.rps, 0), unit: 'req/s', baseline: 'bare ws echo, same client', baselineValue: round(e8.rps, 0), ratio: round(g8.rps / e8.rps, 2), goal: 'ratio >= 0.6' },
      { name: 'gateway health RPC p50, 8x16', value: round(g8.p50, 3), unit: 'ms', baseline: 'bare ws echo p50', baselineValue: round(e8.p50, 3), ratio: round(g8.p50 / e8.p50, 2) },
      { name: 'gateway health RPC p99, 8x16', value: round(g8.p99, 3), unit: 'ms', baseline: 'bare ws echo p99', baselineValue: round(e8.p99, 3), ratio: round(g8.p99 / e8.p99, 2), goal: 'value < 5 ms' },
    );
    for (const count of IDLE_COUNTS) {
      const g = await idleMemory(gateway, count);
      const e = await idleMemory(echo, count);
      const note = g.opened < count || e.opened < count ? ` (only ${g.opened}/${e.opened} of ${count} opened: ${g.error ?? e.error})` : '';
      results.push({
        name: `memory per idle authenticated connection at ${count}${note}`,
        value: round(g.perConnectionBytes / 1024, 1),
        unit: 'KiB (RSS delta / connections)',
        baseline: `bare ws echo, ${count} idle connections`,
        baselineValue: round(e.perConnectionBytes / 1024, 1),
        ratio: round(g.perConnectionBytes / e.perConnectionBytes, 2),
        goal: 'value <= 30 KiB',
      });
    }
  } finally {
    await gateway.stop();
    await echo.stop();
  }
  return results;
}

runIfMain(module, run, (results) => {
  for (const r of results) {
    process.stdout.write(`${r.name.padEnd(64)} ${String(r.value).padStart(10)} ${r.unit.padEnd(8)}  baseline ${r.baselineValue} (${r.baseline})  ratio ${r.ratio}${r.goal ? `  goal: ${r.goal}` : ''}\n`);
  }
});
