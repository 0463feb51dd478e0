import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { acquireLock, DataDirLockedError, EmbeddedPostgres, MEMORY_DATA_DIR } from '../../database/embedded-postgres';
import { BACKUP_ERRORS, BackupError } from './backup.errors';
import { partialName } from './backup-files';
import { inspectDatabase, VerifyReport } from './critical-tables';

type PGliteModule = typeof import('@electric-sql/pglite');
const pglite = () => require('@electric-sql/pglite') as PGliteModule;

function pgdataOf(dataDir: string): string {
  return join(resolve(dataDir), 'pgdata');
}

function requirePersistentDataDir(dataDir: string): void {
  if (dataDir === MEMORY_DATA_DIR) {
    throw new BackupError(BACKUP_ERRORS.WRONG_TARGET, 'DATA_DIR is memory://: there is no database on disk to back up or restore');
  }
}

export function writeAtomically(outPath: string, data: Buffer): void {
  const partial = partialName(outPath);
  writeFileSync(partial, data, { mode: 0o600 });
  renameSync(partial, outPath);
}

/**
 * Offline backup of the embedded database: opens DATA_DIR (so the service must be stopped: the
 * directory lock refuses a second process) and writes a gzipped tarball of the data directory.
 * The running service takes the same dump online at POST /api/admin/backup.
 */
export async function dumpEmbedded(dataDir: string, outPath: string): Promise<void> {
  requirePersistentDataDir(dataDir);
  if (!existsSync(pgdataOf(dataDir))) {
    throw new BackupError(BACKUP_ERRORS.NOT_FOUND, `no embedded database in DATA_DIR ${resolve(dataDir)}`);
  }
  let db: EmbeddedPostgres;
  try {
    db = await EmbeddedPostgres.start(dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new BackupError(
        BACKUP_ERRORS.DATA_DIR_IN_USE,
        `${err.message} To back up while it runs: curl -fsS -X POST -H "Authorization: Bearer $ADMIN_KEY" ` +
          'http://<host>:8080/api/admin/backup -o clawcontrol-backup.pglite.tar.gz',
      );
    }
    throw err;
  }
  try {
    const blob = await db.dumpDataDir();
    writeAtomically(outPath, Buffer.from(await blob.arrayBuffer()));
  } finally {
    await db.stop();
  }
}

/** Loads the tarball into a fresh in-memory PGlite and counts the critical tables. */
export async function verifyEmbeddedDump(file: string): Promise<VerifyReport> {
  const { PGlite } = pglite();
  const db = await PGlite.create({ loadDataDir: new Blob([readFileSync(file)]) });
  try {
    const inspected = await inspectDatabase(async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows);
    return { file, format: 'pglite', bytes: statSync(file).size, ...inspected };
  } finally {
    await db.close();
  }
}

/**
 * Restores a tarball into DATA_DIR (service stopped: the directory lock is held throughout).
 * An existing database is never deleted: with `force` it is moved to pgdata.replaced-<time>
 * (its path is returned) and can be moved back by hand.
 */
export async function restoreEmbedded(file: string, dataDir: string, force: boolean): Promise<string | undefined> {
  requirePersistentDataDir(dataDir);
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  let release: () => void;
  try {
    release = acquireLock(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new BackupError(BACKUP_ERRORS.SERVICE_CONNECTED, `${err.message} Stop the service before restoring.`);
    }
    throw err;
  }
  try {
    const pgdata = pgdataOf(dir);
    let replaced: string | undefined;
    if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
      if (!force) {
        throw new BackupError(
          BACKUP_ERRORS.TARGET_NOT_EMPTY,
          `DATA_DIR ${dir} already holds a database: pass --force to replace it (the old one is kept as pgdata.replaced-<time>)`,
        );
      }
      replaced = `${pgdata}.replaced-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      renameSync(pgdata, replaced);
    } else if (existsSync(pgdata)) {
      rmdirSync(pgdata); // empty: PGlite loads a tarball only into a fresh directory
    }
    const { PGlite } = pglite();
    const db = await PGlite.create(pgdata, { loadDataDir: new Blob([readFileSync(file)]) });
    await db.query('SELECT 1');
    await db.close();
    return replaced;
  } finally {
    release();
  }
}
