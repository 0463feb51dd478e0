import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { AppConfig } from '../src/config/app-config';
import { DatabaseConfig } from '../src/config/database.config';
import { DatabaseEndpoint, openDatabaseEndpoint } from '../src/database/database-endpoint';
import { dataSourceOptions } from '../src/database/data-source-options';
import { revertLastMigrationLocked, runMigrationsLocked } from '../src/database/migration-runner';
import { findPgBinDir, PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { testEnv } from './support/test-app';
import { createScratchDatabase } from './support/test-db';

const dbConfig = (url?: string) =>
  AppConfig.load(testEnv({ DATABASE_URL: url, DATA_DIR: 'memory://' })).get(DatabaseConfig);

/** The SQL TypeORM would run to bring the schema in line with the entities. */
async function schemaDiff(ds: DataSource): Promise<string[]> {
  const log = await ds.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

describe('migrations and entities', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let endpoint: DatabaseEndpoint | undefined;
  let ds: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase(); // TEST_DATABASE_URL, else embedded PGlite in memory
    const db = dbConfig(scratch?.url);
    endpoint = scratch ? undefined : await openDatabaseEndpoint(db);
    ds = await new DataSource(dataSourceOptions(db, scratch?.url ?? endpoint!.url)).initialize();
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await endpoint?.stop();
    await scratch?.drop();
  });

  it('applying every migration to a fresh database leaves no difference from the entities', async () => {
    const applied = await runMigrationsLocked(ds);
    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
    const missing = await schemaDiff(ds);
    if (missing.length > 0) {
      throw new Error(
        `Entities and migrations have drifted: the migrations lack ${missing.length} statement(s).\n` +
          `Run \`npm run migration:generate -- <Name>\` and list the new migration in migrations/index.ts.\n\n` +
          missing.map((q) => `  ${q};`).join('\n'),
      );
    }
  }, 120_000);

  it('every migration reverts, and re-applying them reaches the same schema', async () => {
    const reverted: string[] = [];
    for (let name = await revertLastMigrationLocked(ds); name; name = await revertLastMigrationLocked(ds)) {
      reverted.push(name);
    }
    expect(reverted).toEqual(MIGRATIONS.map((m) => m.name).reverse());
    const [{ count }] = await ds.query(
      `SELECT count(*)::int AS count FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name NOT IN ('migrations', 'typeorm_metadata')`,
    );
    expect(count).toBe(0); // every down() undid its up()
    await runMigrationsLocked(ds);
    expect(await schemaDiff(ds)).toEqual([]);
  }, 120_000);
});

/** Slow migrations that fail when applied twice: a race without the lock would show. */
function lockProbe(name: string, table: string): (typeof MIGRATIONS)[number] {
  const probe = class implements MigrationInterface {
    name = name;
    async up(q: QueryRunner) {
      await q.query('SELECT pg_sleep(0.3)');
      await q.query(`CREATE TABLE "${table}" (id int)`);
    }
    async down(q: QueryRunner) {
      await q.query(`DROP TABLE "${table}"`);
    }
  };
  return Object.defineProperty(probe, 'name', { value: name });
}
const PROBES = [
  lockProbe('LockProbeOne9999999999001', 'lock_probe_one'),
  lockProbe('LockProbeTwo9999999999002', 'lock_probe_two'),
];

// Two replicas need a real multi-connection PostgreSQL: TEST_DATABASE_URL, else a private one (initdb).
const realPostgres = !!process.env.TEST_DATABASE_URL || !!findPgBinDir();
if (!realPostgres)
  console.warn('migrations-drift: no TEST_DATABASE_URL and no initdb, skipping the replica race test');
const itWithPostgres = realPostgres ? it : it.skip;

describe('two replicas booting at once', () => {
  itWithPostgres(
    'both run the migrations under the advisory lock; each migration is applied once',
    async () => {
      let privatePg: PrivatePostgres | undefined;
      const scratch = await createScratchDatabase();
      if (!scratch) privatePg = await startPrivatePostgres();
      const url = scratch?.url ?? privatePg!.url;
      const replicas: DataSource[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const options = {
            ...dataSourceOptions(dbConfig(url), url),
            migrations: [...MIGRATIONS, ...PROBES],
          };
          replicas.push(await new DataSource(options).initialize());
        }
        const results = await Promise.allSettled(replicas.map((r) => runMigrationsLocked(r)));
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(failures.map((f) => String(f.reason))).toEqual([]);

        const applied = results.flatMap((r) => (r as PromiseFulfilledResult<string[]>).value);
        const expected = [...MIGRATIONS, ...PROBES].map((m) => m.name);
        expect([...applied].sort()).toEqual([...expected].sort());

        const rows: { name: string; n: number }[] = await replicas[0].query(
          'SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name',
        );
        expect(rows.filter((r) => r.n !== 1)).toEqual([]);
        expect(rows.map((r) => r.name).sort()).toEqual([...expected].sort());
      } finally {
        await Promise.all(replicas.map((r) => r.destroy()));
        await scratch?.drop();
        await privatePg?.destroy();
      }
    },
    120_000,
  );
});
