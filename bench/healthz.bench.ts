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
import type { ChildProcess } from 'node:child_process';
import {
  type BenchResult,
  freePort,
  requestsPerSecond,
  runIfMain,
  serviceMain,
  spawnNode,
  stopChild,
  waitForUrl,
} from './support';

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

async function startProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const server = spawnNode(args, { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/healthz`;
  await waitForUrl(url, server, 120_000); // a loaded machine boots slowly
  return { url, child: server.child };
}

const rps = (url: string, seconds: number) =>
  requestsPerSecond(url, { connections: CONNECTIONS, duration: seconds });

export async function run(): Promise<BenchResult[]> {
  const main = serviceMain();

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
    await rps(bare.url, WARMUP_S);
    await rps(app.url, WARMUP_S);
    for (let round = 0; round < ROUNDS; round++) {
      bareRps += (await rps(bare.url, DURATION_S / ROUNDS)) / ROUNDS;
      appRps += (await rps(app.url, DURATION_S / ROUNDS)) / ROUNDS;
      routedRps += (await rps(app.url.replace('/healthz', '/api/health'), DURATION_S / ROUNDS)) / ROUNDS;
    }
  } finally {
    await stopChild(bare.child);
    if (app) await stopChild(app.child);
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

runIfMain(module, run);
