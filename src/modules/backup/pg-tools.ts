import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BACKUP_ERRORS, BackupError } from './backup.errors';

export type PgTool = 'pg_dump' | 'pg_restore';

/** pg_dump/pg_restore: PG_BIN_DIR, else PATH, else the newest /usr/lib/postgresql/<version>/bin. */
export function findPgTool(tool: PgTool, binDir?: string): string {
  const dirs: string[] = [];
  if (binDir) dirs.push(binDir);
  else {
    dirs.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
    const root = '/usr/lib/postgresql';
    if (existsSync(root)) {
      const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
      dirs.push(...versions.map((v) => join(root, v, 'bin')));
    }
  }
  const found = dirs.map((d) => join(d, tool)).find((p) => existsSync(p));
  if (!found) {
    throw new BackupError(
      BACKUP_ERRORS.TOOL_MISSING,
      `${tool} not found${binDir ? ` in PG_BIN_DIR ${binDir}` : ' on PATH'}: install the PostgreSQL client ` +
        '(same or newer major version than the server) or set PG_BIN_DIR',
    );
  }
  return found;
}

/**
 * libpq environment for a postgres:// URL, so the password never appears in a process
 * list (argv) and the tools get exactly the connection the service uses.
 */
export function libpqEnv(databaseUrl: string, database?: string): NodeJS.ProcessEnv {
  const url = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = {
    PGHOST: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || 'localhost',
    PGPORT: url.port || '5432',
    PGDATABASE: database ?? decodeURIComponent(url.pathname.replace(/^\//, '')),
    PGAPPNAME: 'clawcontrol-backup',
  };
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  const host = url.searchParams.get('host'); // unix socket directory form
  if (host) env.PGHOST = host;
  return env;
}

/** Runs a PostgreSQL client tool; rejects with its stderr (never the password: it is not in argv). */
export function runPgTool(path: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      env: { PATH: process.env.PATH, LANG: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => reject(new BackupError(BACKUP_ERRORS.TOOL_FAILED, `${path}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else {
        const tool = path.split('/').pop();
        reject(new BackupError(BACKUP_ERRORS.TOOL_FAILED, `${tool} exited with ${code}: ${stderr.trim().slice(-2000)}`));
      }
    });
  });
}
