import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { withAppContext } from '../src/cli/cli-context';
import { RequestContext } from '../src/common/context/request-context';
import { CLI_BIN, CLI_MAIN, ensureBuilt, runNode } from './support/build';
import { freePort } from './support/ports';
import { findRedisServer, PrivateRedis, startPrivateRedis } from './support/private-redis';
import { testEnv } from './support/test-app';
import { createScratchDatabase } from './support/test-db';

const migrationNames = MIGRATIONS.map((m) => m.name);
const lines = (out: string) => out.trim().split('\n');

describe('clawcontrol CLI', () => {
  let dir: string;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  /** The database of this file: a scratch database on TEST_DATABASE_URL, else embedded PGlite on disk. */
  let dbEnv: Record<string, string>;
  const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
    runNode([CLI_MAIN, ...args], testEnv({ ...dbEnv, ...env }));

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cc-cli-'));
    scratch = await createScratchDatabase();
    dbEnv = scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: join(dir, 'data') };
  }, 240_000);

  afterAll(async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('doctor reports pending migrations without applying them; migrate applies, reverts and re-applies', async () => {
    if (migrationNames.length > 0) {
      const before = await cli(['doctor']);
      expect(before.code).toBe(1);
      expect(before.stdout).toMatch(/^migrations\s+FAIL \d+ pending: /m);
      const again = await cli(['doctor']);
      expect(again.stdout).toContain(`pending: ${migrationNames.join(', ')}`); // doctor changed nothing
    }

    const migrate = await cli(['migrate']);
    expect(migrate.stderr).toBe('');
    expect(migrate.code).toBe(0);
    expect(lines(migrate.stdout)).toEqual(
      migrationNames.length ? migrationNames.map((n) => `applied ${n}`) : ['no pending migrations'],
    );
    const noop = await cli(['migrate']);
    expect(noop.stdout.trim()).toBe('no pending migrations');

    const healthy = await cli(['doctor']);
    expect(healthy.code).toBe(0);
    expect(lines(healthy.stdout)).toEqual([
      expect.stringMatching(/^config\s+ok$/),
      expect.stringMatching(/^database\s+ok \((embedded PGlite|postgres )/),
      expect.stringMatching(/^migrations\s+ok/),
      expect.stringMatching(process.env.TEST_REDIS_URL ? /^redis\s+ok$/ : /^redis\s+skipped/),
    ]);

    const revert = await cli(['migrate', '--revert']);
    expect(revert.code).toBe(0);
    const last = migrationNames[migrationNames.length - 1];
    expect(revert.stdout.trim()).toBe(last ? `reverted ${last}` : 'no applied migration to revert');
    if (last) {
      const behind = await cli(['doctor']);
      expect(behind.code).toBe(1);
      expect(behind.stdout).toMatch(new RegExp(`^migrations\\s+FAIL 1 pending: ${last}`, 'm'));
      const reapply = await cli(['migrate']);
      expect(reapply.stdout.trim()).toBe(`applied ${last}`);
    }
  }, 180_000);

  it('doctor names every invalid variable and skips the checks that need configuration', async () => {
    const res = await cli(['doctor'], { PORT: 'abc', CORS_ORIGINS: '*' });
    expect(res.code).toBe(1);
    const [config, ...rest] = lines(res.stdout);
    expect(config).toMatch(/^config\s+FAIL /);
    expect(config).toContain('PORT');
    expect(config).toContain('"abc"');
    expect(config).toContain('CORS_ORIGINS');
    expect(rest).toEqual([
      expect.stringMatching(/^database\s+skipped/),
      expect.stringMatching(/^migrations\s+skipped/),
      expect.stringMatching(/^redis\s+skipped/),
    ]);
  }, 60_000);

  it('doctor reports unreachable PostgreSQL and Redis without printing their passwords', async () => {
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const res = await cli(['doctor'], {
      DATABASE_URL: `postgres://clawuser:PgSecretPw42@127.0.0.1:${pgPort}/claw`,
      REDIS_URL: `redis://:RedisSecretPw42@127.0.0.1:${redisPort}/0`,
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      new RegExp(`^database\\s+FAIL .*ECONNREFUSED.*127\\.0\\.0\\.1:${pgPort}`, 'm'),
    );
    expect(res.stdout).toMatch(/^migrations\s+skipped/m);
    expect(res.stdout).toMatch(new RegExp(`^redis\\s+FAIL .*${redisPort}`, 'm'));
    expect(res.stdout + res.stderr).not.toContain('PgSecretPw42');
    expect(res.stdout + res.stderr).not.toContain('RedisSecretPw42');
  }, 60_000);

  const itRedis = findRedisServer() ? it : it.skip;
  itRedis(
    'doctor reports a reachable Redis as ok (private redis-server)',
    async () => {
      let redis: PrivateRedis | undefined;
      try {
        redis = await startPrivateRedis();
        const res = await cli(['doctor'], { REDIS_URL: redis.url });
        expect(res.stdout).toMatch(/^redis\s+ok$/m);
      } finally {
        await redis?.stop();
      }
    },
    60_000,
  );

  it('migrate with an invalid environment prints the problems and exits 2', async () => {
    const res = await cli(['migrate'], { PORT: 'abc' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('PORT');
    expect(res.stdout).toBe('');
  }, 60_000);

  it('the clawcontrol bin (builds when sources changed, then) runs the CLI', async () => {
    const res = await runNode([CLI_BIN, '--version'], testEnv(), 240_000);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 300_000);

  it('unknown commands fail with usage help', async () => {
    const res = await cli(['frobnicate']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("unknown command 'frobnicate'");
  }, 60_000);

  it('withAppContext boots the service without HTTP, in a CLI request context, and closes everything', async () => {
    let ds: DataSource | undefined;
    const result = await withAppContext(
      async (app) => {
        const dataSource: DataSource = app.get(DataSource);
        ds = dataSource;
        expect(RequestContext.current()).toMatchObject({
          transport: 'cli',
          requestId: expect.stringMatching(/^cli-/),
        });
        const [row] = await dataSource.query('SELECT 41 + 1 AS answer');
        return row.answer;
      },
      { env: testEnv({ DATA_DIR: 'memory://' }) },
    );
    expect(result).toBe(42);
    expect(ds?.isInitialized).toBe(false);
  }, 60_000);
});
