/**
 * /healthz throughput of the real service (built, its own process, embedded
 * PGlite in memory, logs silent, rate limits off) against a bare node:http
 * server answering the same JSON in another process, both driven by autocannon
 * from this process in the same run, in alternating rounds of DURATION_S / 3.
 * The ratio is what request ids, security headers and metrics cost on the probe
 * path (answered ahead of Express, see serveLivenessProbes); the goal is ≥ 0.5.
 * A second row, without a goal, shows a routed request (GET /api/health: logging,
 * guards, request context, Nest routing) against the same baseline.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { BenchResult } from './run';

const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { average: number }; non2xx: number; errors: number; timeouts: number }>;

const DURATION_S = Number(process.env.BENCH_HEALTHZ_DURATION_S ?? 3);
const WARMUP_S = 1;
const ROUNDS = 3;
const CONNECTIONS = Number(process.env.BENCH_HEALTHZ_CONNECTIONS ?? 10);

const BARE_SERVER = `
const body = JSON.stringify({ status: 'ok' });
require('node:http')
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, args, {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}/healthz`;
  const deadline = Date.now() + 120_000; // a loaded machine boots slowly
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${args.join(' ')} exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(url)).ok) return { url, child };
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not answer ${url} within 120 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function requestsPerSecond(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result.requests.average;
}

export async function run(): Promise<BenchResult[]> {
  const main = join(projectRoot(), 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm run bench does)`);

  // Both servers run side by side; the measurement alternates between them in short rounds,
  // so a burst of load from elsewhere on the machine hits both alike.
  const bare = await startProcess(['-e', BARE_SERVER], {});
  let app: { url: string; child: ChildProcess } | undefined;
  let bareRps = 0;
  let appRps = 0;
  let routedRps = 0;
  try {
    app = await startProcess([main], {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
    });
    await requestsPerSecond(bare.url, WARMUP_S);
    await requestsPerSecond(app.url, WARMUP_S);
    for (let round = 0; round < ROUNDS; round++) {
      bareRps += (await requestsPerSecond(bare.url, DURATION_S / ROUNDS)) / ROUNDS;
      appRps += (await requestsPerSecond(app.url, DURATION_S / ROUNDS)) / ROUNDS;
      routedRps +=
        (await requestsPerSecond(app.url.replace('/healthz', '/api/health'), DURATION_S / ROUNDS)) / ROUNDS;
    }
  } finally {
    await stop(bare.child);
    if (app) await stop(app.child);
  }

  const baseline = 'bare node:http server, same JSON';
  return [
    {
      name: `GET /healthz throughput (${CONNECTIONS} connections, ${DURATION_S} s)`,
      value: Math.round(appRps),
      unit: 'req/s',
      baseline,
      baselineValue: Math.round(bareRps),
      ratio: appRps / bareRps,
      goal: 'ratio ≥ 0.5',
    },
    {
      // for comparison: a routed request pays for logging, guards, the context and Nest routing
      name: `GET /api/health throughput, full pipeline (${CONNECTIONS} connections, ${DURATION_S} s)`,
      value: Math.round(routedRps),
      unit: 'req/s',
      baseline,
      baselineValue: Math.round(bareRps),
      ratio: routedRps / bareRps,
    },
  ];
}
