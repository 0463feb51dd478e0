import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BACKUP_ERRORS, BackupError } from './backup.errors';

/** pg_dump custom format (PostgreSQL) or a gzipped tarball of the PGlite data directory (embedded). */
export type BackupFormat = 'pg_dump' | 'pglite';

const PREFIX = 'clawcontrol-';
const EXTENSIONS: Record<BackupFormat, string> = { pg_dump: '.dump', pglite: '.pglite.tar.gz' };
const PARTIAL = '.partial';
const DAY_MS = 86_400_000;

/** `clawcontrol-20260301T021500Z.dump`: sortable, one per second, the format in the extension. */
export function backupFileName(format: BackupFormat, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${PREFIX}${stamp}${EXTENSIONS[format]}`;
}

/** The name a backup is written under until it is complete (never mistaken for a backup). */
export function partialName(path: string): string {
  return `${path}${PARTIAL}`;
}

/** Recognises a backup by its first bytes, whatever its name. */
export function detectFormat(path: string): BackupFormat {
  if (!existsSync(path)) throw new BackupError(BACKUP_ERRORS.NOT_FOUND, `backup file ${path} does not exist`);
  const head = Buffer.alloc(5);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 5, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') === 'PGDMP') return 'pg_dump';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'pglite';
  throw new BackupError(
    BACKUP_ERRORS.UNKNOWN_FORMAT,
    `${path} is not a Clawcontrol backup (expected a pg_dump custom-format archive or an embedded-database .pglite.tar.gz)`,
  );
}

function isBackupName(name: string): boolean {
  return name.startsWith(PREFIX) && Object.values(EXTENSIONS).some((ext) => name.endsWith(ext));
}

/** Complete backups in `dir`, newest first. */
export function listBackups(dir: string): { path: string; name: string; mtimeMs: number; size: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(isBackupName)
    .map((name) => {
      const path = join(resolve(dir), name);
      const st = statSync(path);
      return { path, name, mtimeMs: st.mtimeMs, size: st.size };
    })
    .sort((a, b) => b.mtimeMs - a.mtimeMs || b.name.localeCompare(a.name));
}

export function latestBackup(dir: string): string {
  const [latest] = listBackups(dir);
  if (!latest) throw new BackupError(BACKUP_ERRORS.NOT_FOUND, `no backup in ${resolve(dir)}`);
  return latest.path;
}

/**
 * Deletes backups older than `days` (by modification time) and abandoned partial files older
 * than a day; never `keep` (the backup just written). Returns the deleted paths.
 */
export function applyRetention(dir: string, days: number, keep: string, now = Date.now()): string[] {
  if (days <= 0 || !existsSync(dir)) return [];
  const deleted: string[] = [];
  const cutoff = now - days * DAY_MS;
  for (const b of listBackups(dir)) {
    if (resolve(b.path) === resolve(keep) || b.mtimeMs >= cutoff) continue;
    unlinkSync(b.path);
    deleted.push(b.path);
  }
  for (const name of readdirSync(dir).filter((n) => n.startsWith(PREFIX) && n.endsWith(PARTIAL))) {
    const path = join(resolve(dir), name);
    if (statSync(path).mtimeMs < now - DAY_MS) {
      unlinkSync(path);
      deleted.push(path);
    }
  }
  return deleted;
}
