/**
 * What the bench modules share: the result row, autocannon, the statistics
 * helpers, the environment of an in-process app, and child processes of the
 * built service (or of a baseline server) on a free port.
 *
 * Loads nothing of the application beyond the request context (no Nest app):
 * the runner, and the benches that measure a child process or no app at all,
 * import it too.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AppHandle } from '../src/app.factory';
import { systemPrincipal } from '../src/common/context/principal';
import { RequestContext } from '../src/common/context/request-context';

/** One row of bench/results.md: a measurement and its same-run baseline. */
export interface BenchResult {
  /** What was measured, e.g. `/healthz throughput`. */
  name: string;
  value: number;
  unit: string;
  /** What it is compared with, measured in the same run, e.g. `bare node:http`. */
  baseline: string;
  baselineValue: number;
  /** value / baselineValue. */
  ratio: number;
  /** The target, e.g. `ratio ≥ 0.5`. */
  goal?: string;
}

// ---------------------------------------------------------------- numbers

/** `n` rounded to `digits` decimals. */
export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The `p`th percentile (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------- autocannon

/** The part of autocannon's result the benches read. */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  /** Includes the timeouts. */
  errors: number;
  timeouts: number;
  duration: number;
}

/** autocannon (no bundled types), loaded on first use. */
export function autocannon(opts: Record<string, unknown>): Promise<AutocannonResult> {
  return (require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>)(opts);
}

/** Average requests/s autocannon reaches on `url`; throws if any answer is not 2xx or any request failed. */
export async function requestsPerSecond(
  url: string,
  opts: { connections: number; duration: number; headers?: Record<string, string> },
): Promise<number> {
  const result = await autocannon({ url, ...opts });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(
      `${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors (${result.timeouts} timeouts)`,
    );
  return result.requests.average;
}

// ---------------------------------------------------------------- in-process app

/** Environment of a bench app: quiet, rate limits off, on 127.0.0.1 with a port the OS picks; plus `extra`. */
export function benchEnv(extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    ...extra,
  };
}

/** SESSION_SECRET and ENCRYPTION_KEY values for bench apps (not secrets). */
export const BENCH_SESSION_SECRET = 'bench-session-secret-0123456789abcdef0123456789';
export const BENCH_ENCRYPTION_KEY = '7d1e0c4b9a8f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a29180f7e6d5c';

/** Starts `handle`'s HTTP server on a free port of 127.0.0.1; its base URL. */
export async function listen(handle: AppHandle): Promise<string> {
  await handle.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(handle.app.getHttpServer().address() as AddressInfo).port}`;
}

/** The id of the `default` organization. */
export async function defaultOrgId(ds: DataSource): Promise<string> {
  const [{ id }] = await ds.query(`SELECT id FROM organizations WHERE slug = 'default'`);
  return id;
}

/** Runs `fn` as the system principal of organization `orgId`. */
export function asSystem<T>(orgId: string, fn: () => T): T {
  return RequestContext.run(
    { requestId: 'bench', transport: 'system', principal: systemPrincipal(orgId) },
    fn,
  );
}

// ---------------------------------------------------------------- child processes

/** The directory holding package.json (dist/bench/ is two levels below it). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** dist/src/main.js, the built service; throws when it has not been built. */
export function serviceMain(): string {
  const main = join(projectRoot(), 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm run bench does)`);
  return main;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface NodeChild {
  child: ChildProcess;
  /** The last 20,000 characters of its stdout and stderr. */
  output(): string;
}

/** `node <args>` in the project root with PATH and `env` only. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv): NodeChild {
  const child = spawn(process.execPath, args, {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  return { child, output: () => out };
}

/**
 * Waits until `url` answers with a status below 500. Throws if the child exits first, or
 * kills it and throws after `timeoutMs`.
 */
export async function waitForUrl(
  url: string,
  { child, output }: NodeChild,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${url}: server exited with ${child.exitCode}\n${output().slice(-2000)}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${url} did not answer within ${timeoutMs / 1000} s\n${output().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL if it has not exited after 10 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------- standalone

/**
 * `node dist/bench/<name>.bench.js` on its own: when `mod` is the main module, runs `run`
 * and prints its results with `print` (JSON by default); exits with 1 on failure.
 */
export function runIfMain(
  mod: NodeModule,
  run: () => Promise<BenchResult[]>,
  print: (results: BenchResult[]) => void = (results) => console.log(JSON.stringify(results, null, 2)),
): void {
  if (require.main !== mod) return;
  run()
    .then(print)
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
