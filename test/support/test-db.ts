import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * With TEST_DATABASE_URL set, each test app gets a fresh database on that
 * server (dropped afterwards); otherwise the app runs on embedded PGlite.
 */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return undefined;
  const name = `cc_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export const usingRealPostgres = () => !!process.env.TEST_DATABASE_URL;
export const usingRedis = () => !!process.env.TEST_REDIS_URL;
