import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig } from '../../config/app-config';
import { DatabaseConfig } from '../../config/database.config';
import { BackupConfig } from './backup.config';
import { BACKUP_ERRORS, BackupError } from './backup.errors';
import { applyRetention, backupFileName, detectFormat } from './backup-files';
import { VerifyReport } from './critical-tables';
import { dumpEmbedded, restoreEmbedded, verifyEmbeddedDump } from './embedded-backup';
import { dumpPostgres, restorePostgres, RestoreOptions, verifyPostgresDump } from './postgres-backup';

/**
 * What the CLI's backup commands do, in the mode the configuration selects: PostgreSQL
 * (DATABASE_URL; pg_dump/pg_restore) or the embedded database (DATA_DIR; PGlite tarballs).
 */
export interface BackupResult {
  file: string;
  deleted: string[];
}

export async function createBackup(
  config: AppConfig,
  opts: { outDir?: string; retentionDays?: number } = {},
): Promise<BackupResult> {
  const db = config.get(DatabaseConfig);
  const backup = config.get(BackupConfig);
  const dir = resolve(opts.outDir ?? backup.dir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, backupFileName(db.embedded ? 'pglite' : 'pg_dump'));
  if (db.embedded) await dumpEmbedded(db.dataDir, file);
  else await dumpPostgres(db.url!, file, backup.pgBinDir);
  const deleted = applyRetention(dir, opts.retentionDays ?? backup.retentionDays, file);
  return { file, deleted };
}

/**
 * Restore drill. An embedded tarball is loaded into an in-memory database (no server needed);
 * a pg_dump archive is restored into a scratch database on the DATABASE_URL server.
 */
export async function verifyBackup(config: AppConfig, file: string): Promise<VerifyReport> {
  const format = detectFormat(file);
  if (format === 'pglite') return verifyEmbeddedDump(file);
  const db = config.get(DatabaseConfig);
  if (!db.url) {
    throw new BackupError(
      BACKUP_ERRORS.WRONG_TARGET,
      'verifying a pg_dump archive needs a PostgreSQL server: set DATABASE_URL (a scratch database is created and dropped there)',
    );
  }
  return verifyPostgresDump(file, db.url, config.get(BackupConfig).pgBinDir);
}

/**
 * Restores `file` into the configured database. Returns where a replaced embedded database
 * was kept. The caller applies pending migrations afterwards.
 */
export async function restoreBackup(
  config: AppConfig,
  file: string,
  opts: RestoreOptions,
): Promise<{ replacedDataDir?: string }> {
  const format = detectFormat(file);
  const db = config.get(DatabaseConfig);
  if (db.embedded) {
    if (format !== 'pglite') {
      throw new BackupError(
        BACKUP_ERRORS.WRONG_TARGET,
        `${file} is a pg_dump archive: restore it into PostgreSQL (set DATABASE_URL), not into the embedded database`,
      );
    }
    return { replacedDataDir: await restoreEmbedded(file, db.dataDir, !!opts.force) };
  }
  if (format !== 'pg_dump') {
    throw new BackupError(
      BACKUP_ERRORS.WRONG_TARGET,
      `${file} is an embedded-database tarball: restore it with DATABASE_URL unset and DATA_DIR pointing at the target directory`,
    );
  }
  await restorePostgres(file, db.url!, opts, config.get(BackupConfig).pgBinDir);
  return {};
}
