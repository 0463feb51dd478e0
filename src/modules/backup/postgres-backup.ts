import { randomBytes } from 'node:crypto';
import { renameSync, statSync, unlinkSync } from 'node:fs';
import { Client } from 'pg';
import { BACKUP_ERRORS, BackupError } from './backup.errors';
import { partialName } from './backup-files';
import { inspectDatabase, VerifyReport } from './critical-tables';
import { findPgTool, libpqEnv, runPgTool } from './pg-tools';

async function withClient<T>(url: string, database: string | undefined, fn: (c: Client) => Promise<T>): Promise<T> {
  const target = new URL(url);
  if (database) target.pathname = `/${database}`;
  const client = new Client({ connectionString: target.toString(), application_name: 'clawcontrol-backup' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** pg_dump in custom format (compressed, restorable table by table with pg_restore). */
export async function dumpPostgres(url: string, outPath: string, binDir?: string): Promise<void> {
  const pgDump = findPgTool('pg_dump', binDir);
  const partial = partialName(outPath);
  try {
    await runPgTool(pgDump, ['--format=custom', '--no-owner', '--no-privileges', '--file', partial], libpqEnv(url));
    renameSync(partial, outPath);
  } catch (err) {
    try {
      unlinkSync(partial);
    } catch {}
    throw err;
  }
}

/** `pg_restore --list` reads the whole table of contents: a truncated or foreign file fails here. */
export async function checkArchive(file: string, binDir?: string): Promise<void> {
  await runPgTool(findPgTool('pg_restore', binDir), ['--list', file], {});
}

/**
 * Restore drill: a scratch database on the same server (the user needs CREATEDB), pg_restore
 * into it, count the critical tables, drop it again whatever happened.
 */
export async function verifyPostgresDump(file: string, url: string, binDir?: string): Promise<VerifyReport> {
  const pgRestore = findPgTool('pg_restore', binDir);
  await checkArchive(file, binDir);
  const scratch = `cc_verify_${randomBytes(6).toString('hex')}`;
  try {
    await withClient(url, undefined, (c) => c.query(`CREATE DATABASE ${scratch}`));
  } catch (err) {
    throw new BackupError(
      BACKUP_ERRORS.TOOL_FAILED,
      `the restore drill could not create its scratch database (${(err as Error).message}): ` +
        'grant CREATEDB to the DATABASE_URL user, or run the drill with a DATABASE_URL whose user has it',
    );
  }
  try {
    await runPgTool(
      pgRestore,
      ['--no-owner', '--no-privileges', '--exit-on-error', '--dbname', scratch, file],
      libpqEnv(url, scratch),
    );
    const inspected = await withClient(url, scratch, (c) =>
      inspectDatabase(async (sql, params) => (await c.query(sql, params as unknown[])).rows),
    );
    return { file, format: 'pg_dump', bytes: statSync(file).size, ...inspected };
  } finally {
    await withClient(url, undefined, (c) => c.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`)).catch(() => {});
  }
}

export interface RestoreOptions {
  force?: boolean;
  /** Restore even while other Clawcontrol processes are connected (they will see errors). */
  allowConnected?: boolean;
}

/** Tables in schema public, and other Clawcontrol connections to this database. */
async function describeTarget(url: string): Promise<{ tables: number; connected: number }> {
  return withClient(url, undefined, async (c) => {
    const [t] = (await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows;
    const [a] = (
      await c.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'clawcontrol'`,
      )
    ).rows;
    return { tables: t.n, connected: a.n };
  });
}

/**
 * Replaces the database's public schema with the archive. Refuses a non-empty database without
 * `force`, and a database the service is connected to without `allowConnected`. The archive is
 * read completely (pg_restore --list) before anything is dropped.
 */
export async function restorePostgres(file: string, url: string, opts: RestoreOptions, binDir?: string): Promise<void> {
  const pgRestore = findPgTool('pg_restore', binDir);
  await checkArchive(file, binDir);
  const target = await describeTarget(url);
  if (target.connected > 0 && !opts.allowConnected) {
    throw new BackupError(
      BACKUP_ERRORS.SERVICE_CONNECTED,
      `${target.connected} Clawcontrol connection(s) are open on this database: stop the service first ` +
        '(kubectl scale deployment/clawcontrol --replicas=0), or pass --allow-connected',
    );
  }
  if (target.tables > 0) {
    if (!opts.force) {
      throw new BackupError(
        BACKUP_ERRORS.TARGET_NOT_EMPTY,
        `the database is not empty (${target.tables} tables): pass --force to replace its contents with the backup`,
      );
    }
    await withClient(url, undefined, async (c) => {
      await c.query('DROP SCHEMA public CASCADE');
      await c.query('CREATE SCHEMA public');
    });
  }
  await runPgTool(
    pgRestore,
    ['--no-owner', '--no-privileges', '--exit-on-error', '--dbname', libpqEnv(url).PGDATABASE!, file],
    libpqEnv(url),
  );
}
