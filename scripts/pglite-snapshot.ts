/**
 * Writes a gzipped tarball of an in-memory embedded database with every
 * migration applied (jest's global setup: each embedded test app then starts
 * from it instead of running initdb and all migrations again).
 *
 *   node dist/scripts/pglite-snapshot.js <output-file>
 */
import { writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { DatabaseConfig } from '../src/config/database.config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres, MEMORY_DATA_DIR } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migration-runner';

async function main(out: string): Promise<void> {
  const db = AppConfig.load({ DATA_DIR: MEMORY_DATA_DIR }).get(DatabaseConfig);
  const embedded = await EmbeddedPostgres.start(MEMORY_DATA_DIR);
  try {
    const ds = new DataSource(dataSourceOptions(db, embedded.url));
    await ds.initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
    const tarball = await embedded.dumpDataDir();
    writeFileSync(out, Buffer.from(await tarball.arrayBuffer()));
  } finally {
    await embedded.stop();
  }
}

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: pglite-snapshot <output-file>\n');
  process.exit(2);
}
main(out).catch((err) => {
  process.stderr.write(`pglite-snapshot: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
