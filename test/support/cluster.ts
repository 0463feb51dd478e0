import { Client } from 'pg';
import { ensureBuilt } from './build';
import { findPgBinDir, PrivatePostgres, startPrivatePostgres } from './private-postgres';
import { findRedisServer, PrivateRedis, startPrivateRedis } from './private-redis';
import { ServerProcess, startServerProcess } from './server-process';
import { flushTestRedis, startTestApp, TEST_ADMIN_KEY, TEST_REDIS_PREFIX, TestApp, waitFor } from './test-app';
import { createScratchDatabase } from './test-db';

/**
 * Real PostgreSQL + Redis for the operations tests: TEST_DATABASE_URL / TEST_REDIS_URL when
 * set (a scratch database each), else private servers started here (so fault tests may stop
 * them). `privateOnly` insists on private servers (a fault test must not stop shared ones).
 */
export interface Backends {
  databaseUrl: string;
  redisUrl: string;
  pg?: PrivatePostgres;
  redis?: PrivateRedis;
  close(): Promise<void>;
}

/** Why real backends cannot be had on this machine, or '' when they can. */
export function backendsUnavailable(privateOnly = false): string {
  if (!findPgBinDir() && (privateOnly || !process.env.TEST_DATABASE_URL)) {
    return 'no PostgreSQL server binaries (initdb/pg_ctl)' + (privateOnly ? '' : ' and no TEST_DATABASE_URL');
  }
  if (!findRedisServer() && (privateOnly || !process.env.TEST_REDIS_URL)) {
    return 'no redis-server' + (privateOnly ? '' : ' and no TEST_REDIS_URL');
  }
  return '';
}

export async function startBackends(privateOnly = false): Promise<Backends> {
  let pg: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let databaseUrl: string;
  if (process.env.TEST_DATABASE_URL && !privateOnly) {
    scratch = (await createScratchDatabase())!;
    databaseUrl = scratch.url;
  } else {
    pg = await startPrivatePostgres();
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE clawcontrol');
    await admin.end();
    databaseUrl = pg.url.replace(/\/postgres$/, '/clawcontrol');
  }
  let redisUrl: string;
  if (process.env.TEST_REDIS_URL && !privateOnly) {
    redisUrl = process.env.TEST_REDIS_URL;
    await flushTestRedis(); // counters of earlier test files (same client IP) must not count here
  } else {
    redis = await startPrivateRedis();
    redisUrl = redis.url;
  }
  return {
    databaseUrl,
    redisUrl,
    pg,
    redis,
    close: async () => {
      await redis?.stop().catch(() => {});
      await scratch?.drop().catch(() => {});
      await pg?.destroy().catch(() => {});
    },
  };
}

/** Two in-process replicas, A and B, on real backends (startBackends); close() stops all of it. */
export interface AppPair {
  a: TestApp;
  b: TestApp;
  close(): Promise<void>;
}

export async function startAppPair(env: Record<string, string> = {}): Promise<AppPair> {
  const backends = await startBackends();
  const apps: TestApp[] = [];
  const close = async () => {
    for (const app of apps) await app.close();
    await backends.close();
  };
  try {
    const shared = { DATABASE_URL: backends.databaseUrl, REDIS_URL: backends.redisUrl, ...env };
    apps.push(await startTestApp({ env: shared }));
    apps.push(await startTestApp({ env: shared }));
  } catch (err) {
    await close();
    throw err;
  }
  return { a: apps[0], b: apps[1], close };
}

/** Environment of a replica of the built service on these backends. */
export function replicaEnv(backends: Backends, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: backends.databaseUrl,
    REDIS_URL: backends.redisUrl,
    RATE_LIMIT_BACKEND: 'redis',
    REDIS_KEY_PREFIX: TEST_REDIS_PREFIX,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    ENCRYPTION_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    SHUTDOWN_GRACE_MS: '3000',
    DB_POOL_SIZE: '5',
    ...extra,
  };
}

/** Starts `count` replicas at the same moment (they race for the migrations) and waits for /readyz on each. */
export async function startReplicas(count: number, env: Record<string, string>, readyTimeoutMs = 90_000): Promise<ServerProcess[]> {
  ensureBuilt();
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startServerProcess(env, readyTimeoutMs)));
  const started = settled.filter((s): s is PromiseFulfilledResult<ServerProcess> => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((p) => p.kill()));
    throw failed.reason;
  }
  await Promise.all(started.map((p) => waitForReady(p, readyTimeoutMs)));
  return started;
}

export function waitForReady(p: ServerProcess, timeoutMs = 60_000): Promise<unknown> {
  return waitFor(async () => (await fetch(`${p.baseUrl}/readyz`)).status === 200, timeoutMs, `${p.baseUrl}/readyz 200`);
}

/** SIGTERM, as Kubernetes stops a pod; SIGKILL after the grace. */
export async function stopReplica(p: ServerProcess, graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const result = await p.exited;
  clearTimeout(timer);
  return result;
}

export const ADMIN_AUTH = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = ADMIN_AUTH,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A query on the replicas' database. */
export async function sql<T = any>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}
