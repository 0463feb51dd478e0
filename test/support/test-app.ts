import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import request from 'supertest';
import { AppHandle, createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { DatabaseEndpoint, embeddedEndpoint } from '../../src/database/database-endpoint';
import { EmbeddedPostgres, MEMORY_DATA_DIR } from '../../src/database/embedded-postgres';
import { createScratchDatabase } from './test-db';

export interface TestApp extends AppHandle {
  baseUrl: string;
  port: number;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Share a database with another test app (multi-instance tests). */
  endpoint?: DatabaseEndpoint;
  /** Set up but do not listen. */
  listen?: boolean;
  /** Receives the app's log lines instead of stdout. */
  logStream?: NodeJS.WritableStream;
}

export const TEST_ADMIN_KEY = 'cc_test_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';

/** Base environment of every test app; TEST_DATABASE_URL / TEST_REDIS_URL switch to real services. */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: 'memory://',
    SHUTDOWN_GRACE_MS: '2000',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    ENCRYPTION_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    // Tests poll the API hard; the per-route default limit has its own test (rate-limit.e2e-spec.ts).
    RATE_LIMIT_DEFAULT: '100000/60',
  };
  if (process.env.TEST_REDIS_URL) {
    env.REDIS_URL = process.env.TEST_REDIS_URL;
    env.RATE_LIMIT_BACKEND = 'redis';
  }
  env.REDIS_KEY_PREFIX = TEST_REDIS_PREFIX;
  return Object.fromEntries(Object.entries({ ...env, ...extra }).filter(([, v]) => v !== undefined));
}

/**
 * Redis keys and channels of this test file: one prefix per file (module state is per file
 * in jest), so files running in parallel workers never see each other's counters or events,
 * while several app instances of one file share them like replicas do.
 */
export const TEST_REDIS_PREFIX = `cctest:${randomBytes(6).toString('hex')}:`;

/** Removes this test file's Redis keys (never another file's). */
export async function flushTestRedis(): Promise<void> {
  if (!process.env.TEST_REDIS_URL) return;
  const r = new Redis(process.env.TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${TEST_REDIS_PREFIX}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // A test that names its own DATABASE_URL (or forces embedded with DATABASE_URL: undefined) gets no scratch database.
  const ownDatabase = options.endpoint || (options.env && 'DATABASE_URL' in options.env);
  const scratch = ownDatabase ? undefined : await createScratchDatabase();
  const env = testEnv({ ...(scratch ? { DATABASE_URL: scratch.url } : {}), ...options.env });
  if (!options.env || !('REDIS_KEY_PREFIX' in options.env)) {
    // Replicas (apps on one database) share Redis counters and events; other apps of the file do not.
    const database = env.DATABASE_URL ?? options.endpoint?.url ?? randomBytes(6).toString('hex');
    env.REDIS_KEY_PREFIX = `${TEST_REDIS_PREFIX}${createHash('sha256').update(database).digest('hex').slice(0, 8)}:`;
  }
  const config = AppConfig.load(env);
  const seeded = options.endpoint ? undefined : await seededEmbeddedEndpoint(env);
  const handle = await createApp(config, {
    endpoint: options.endpoint ?? seeded,
    keepEndpoint: !!options.endpoint,
    logStream: options.logStream,
  });
  if (options.listen !== false) await handle.app.listen(0, '127.0.0.1');
  else await handle.app.init();
  const port = options.listen !== false ? (handle.app.getHttpServer().address() as AddressInfo).port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    ...handle,
    port,
    baseUrl,
    http: () => request(handle.app.getHttpServer()),
    close: async () => {
      await handle.shutdown('test');
      await scratch?.drop();
    },
  };
}

let snapshot: Blob | undefined;

/**
 * An in-memory embedded database started from the migrated snapshot of jest's global
 * setup (initdb and the migrations run once per test run, not once per app); undefined
 * when the app uses PostgreSQL or a DATA_DIR on disk, or without the snapshot.
 */
async function seededEmbeddedEndpoint(env: NodeJS.ProcessEnv): Promise<DatabaseEndpoint | undefined> {
  const file = process.env.CC_TEST_PGLITE_SNAPSHOT;
  if (!file || env.DATABASE_URL || (env.DATA_DIR ?? MEMORY_DATA_DIR) !== MEMORY_DATA_DIR) return undefined;
  snapshot ??= new Blob([readFileSync(file)]);
  return embeddedEndpoint(await EmbeddedPostgres.start(MEMORY_DATA_DIR, snapshot));
}

/** Polls until `fn` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
  );
}
