import { Command } from 'commander';
import { runMigrationsLocked } from '../../database/migration-runner';
import { BackupError } from '../../modules/backup/backup.errors';
import { createBackup, restoreBackup, verifyBackup } from '../../modules/backup/backup-runner';
import { BackupConfig } from '../../modules/backup/backup.config';
import { latestBackup } from '../../modules/backup/backup-files';
import { formatReport } from '../../modules/backup/critical-tables';
import { EXIT_FAILURE, loadCliConfig, withDataSource } from '../cli-context';

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Known failures print one line and exit 1; anything else propagates (main prints it). */
async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    process.stderr.write(`clawcontrol: ${err.message} (${err.code})\n`);
    process.exitCode = EXIT_FAILURE;
  }
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--retention-days must be a whole number >= 0, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description(
      'back up the database into BACKUP_DIR: pg_dump custom format with DATABASE_URL, a data-directory tarball ' +
        'of the embedded database (service stopped; online: POST /api/admin/backup); then delete backups older than the retention',
    )
    .option('--out <dir>', 'directory to write to (default BACKUP_DIR)')
    .option('--retention-days <n>', 'delete backups older than n days after this one succeeds (default BACKUP_RETENTION_DAYS; 0 keeps all)', nonNegativeInt)
    .action((opts: { out?: string; retentionDays?: number }) =>
      guarded(async () => {
        const config = loadCliConfig({ overrides: { DB_AUTO_MIGRATE: 'false' } });
        const started = Date.now();
        const result = await createBackup(config, { outDir: opts.out, retentionDays: opts.retentionDays });
        out(`backup written: ${result.file} (${Date.now() - started} ms)`);
        for (const path of result.deleted) out(`retention: deleted ${path}`);
      }),
    );

  backup
    .command('verify [file]')
    .description(
      'restore drill: restore a backup into a scratch database (PostgreSQL: a temporary database on the DATABASE_URL server, ' +
        'needs CREATEDB; embedded: in memory) and count the rows of the critical tables',
    )
    .option('--latest', 'verify the newest backup in --dir / BACKUP_DIR')
    .option('--dir <dir>', 'directory searched by --latest (default BACKUP_DIR)')
    .option('--json', 'print the report as JSON')
    .action((file: string | undefined, opts: { latest?: boolean; dir?: string; json?: boolean }) =>
      guarded(async () => {
        const config = loadCliConfig({ overrides: { DB_AUTO_MIGRATE: 'false' } });
        if (!file && !opts.latest) throw new Error('name a backup file or pass --latest');
        const target = file ?? latestBackup(opts.dir ?? config.get(BackupConfig).dir);
        const report = await verifyBackup(config, target);
        out(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
        if (!opts.json) out(report.missing.length ? `note: absent tables (older schema): ${report.missing.join(', ')}` : 'verified: ok');
      }),
    );

  program
    .command('restore <file>')
    .description(
      'restore a backup into the configured database (stop the service first), then apply pending migrations. ' +
        'Refuses a non-empty database without --force',
    )
    .option('--force', 'replace a database that already holds data')
    .option('--allow-connected', 'PostgreSQL: restore even while Clawcontrol processes are connected')
    .action((file: string, opts: { force?: boolean; allowConnected?: boolean }) =>
      guarded(async () => {
        const config = loadCliConfig({ overrides: { DB_AUTO_MIGRATE: 'false' } });
        const started = Date.now();
        const { replacedDataDir } = await restoreBackup(config, file, opts);
        if (replacedDataDir) out(`previous embedded database kept at ${replacedDataDir}`);
        out(`restored ${file} (${Date.now() - started} ms)`);
        await withDataSource(async (ds) => {
          const applied = await runMigrationsLocked(ds);
          out(applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations: none pending');
        }, config);
      }),
    );
}
