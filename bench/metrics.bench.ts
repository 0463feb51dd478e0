/**
 * Metrics benchmark: what recording HTTP metrics (http_requests_total +
 * http_request_duration_seconds with route templates) costs on a hot route.
 * Two service instances in the same process, one with HTTP_METRICS_ENABLED=false,
 * measured alternately (A B B A …, and with the creation order swapped) on GET /healthz so
 * drift and instance order hit both alike; plus
 * the cost of one recording in isolation (counter inc + histogram observe).
 * Rate limits off.
 */
import { AppHandle, createApp } from '../src/app.factory';
import { MetricsRegistry } from '../src/common/metrics/metrics-registry';
import { AppConfig } from '../src/config/app-config';
import { type BenchResult, benchEnv, listen, requestsPerSecond, round, runIfMain } from './support';

const DURATION_S = Number(process.env.BENCH_METRICS_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_METRICS_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_METRICS_ROUNDS ?? 4);
const RECORDINGS = 1_000_000;

async function start(httpMetrics: boolean): Promise<{ handle: AppHandle; url: string }> {
  const config = AppConfig.load(
    benchEnv({ DATA_DIR: 'memory://', HTTP_METRICS_ENABLED: String(httpMetrics) }),
  );
  const handle = await createApp(config);
  return { handle, url: `${await listen(handle)}/healthz` };
}

const rps = (url: string, duration = DURATION_S) =>
  requestsPerSecond(url, { connections: CONNECTIONS, duration });

/** Nanoseconds per call of `fn`, over `n` calls. */
function nsPerCall(n: number, fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

/** The recording http-metrics.ts does per response, alone, against a loop that only builds the labels. */
function recordingCost(): { recordNs: number; loopNs: number } {
  const metrics = new MetricsRegistry();
  const routes = ['/healthz', '/api/sessions', '/api/sessions/:key', '/api/agents/:id', '/api/metrics'];
  const statuses = ['200', '201', '404', '500'];
  let sink = 0;
  const labels = (i: number) => ({
    method: 'GET',
    route: routes[i % routes.length],
    status: statuses[i % statuses.length],
  });
  nsPerCall(RECORDINGS, (i) => metrics.httpRequests.inc(labels(i))); // warm-up
  const loopNs = nsPerCall(RECORDINGS, (i) => {
    sink += labels(i).route.length;
  });
  const recordNs = nsPerCall(RECORDINGS, (i) => {
    const l = labels(i);
    metrics.httpRequests.inc(l);
    metrics.httpDuration.observe({ method: l.method, route: l.route }, (i % 100) / 1000);
  });
  if (sink < 0) console.log(sink);
  return { recordNs, loopNs };
}

/**
 * Requests/s of both instances, `rounds` times each in alternating order. The instance created
 * first measures a little slower in one process whatever its settings, so callers run this twice
 * with the creation order swapped.
 */
async function measurePair(
  firstWithMetrics: boolean,
  rounds: number,
): Promise<{ on: number[]; off: number[] }> {
  const first = await start(firstWithMetrics);
  const second = await start(!firstWithMetrics);
  const [withMetrics, without] = firstWithMetrics ? [first, second] : [second, first];
  try {
    await rps(withMetrics.url, 2); // warm-up (JIT, pool)
    await rps(without.url, 2);
    const on: number[] = [];
    const off: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // A B, then B A: neither side always runs first
      if (r % 2 === 0) {
        on.push(await rps(withMetrics.url));
        off.push(await rps(without.url));
      } else {
        off.push(await rps(without.url));
        on.push(await rps(withMetrics.url));
      }
    }
    return { on, off };
  } finally {
    await first.handle.shutdown('bench');
    await second.handle.shutdown('bench');
  }
}

export async function run(): Promise<BenchResult[]> {
  const rounds = Math.max(1, Math.ceil(ROUNDS / 2));
  const a = await measurePair(true, rounds);
  const b = await measurePair(false, rounds);
  const onRps = mean([...a.on, ...b.on]);
  const offRps = mean([...a.off, ...b.off]);
  const { recordNs, loopNs } = recordingCost();
  return [
    {
      name: 'metrics: requests/s of GET /healthz with HTTP metrics recorded',
      value: round(onRps),
      unit: 'req/s',
      baseline: `HTTP_METRICS_ENABLED=false, same process and run (${CONNECTIONS} connections, ${2 * rounds}×${DURATION_S} s each, order and creation order alternated)`,
      baselineValue: round(offRps),
      ratio: round(onRps / offRps, 3),
    },
    {
      name: 'metrics: one HTTP recording (http_requests_total inc + http_request_duration_seconds observe)',
      value: round(recordNs),
      unit: 'ns',
      baseline: 'the same loop building the labels without recording',
      baselineValue: round(loopNs),
      ratio: round(recordNs / Math.max(loopNs, 0.1), 1),
    },
  ];
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

runIfMain(module, run);
