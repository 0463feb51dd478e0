import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { EnvVar } from '../../config/env-var.decorator';

/** `clawcontrol backup`, `backup verify` and `restore` (and the backup CronJob). */
export class BackupConfig {
  @EnvVar({
    name: 'BACKUP_DIR',
    doc: 'Where `clawcontrol backup` writes backup files (and where `backup verify --latest` looks)',
    default: './backups',
  })
  @IsString()
  dir: string;

  @EnvVar({
    name: 'BACKUP_RETENTION_DAYS',
    doc: 'After a successful backup, backup files in BACKUP_DIR older than this are deleted (0 = keep all)',
    default: '14',
  })
  @IsInt()
  @Min(0)
  @Max(3650)
  retentionDays: number;

  @EnvVar({
    name: 'PG_BIN_DIR',
    doc: 'Directory of pg_dump/pg_restore (default: PATH, then the newest /usr/lib/postgresql/<version>/bin)',
  })
  @IsOptional()
  @IsString()
  pgBinDir?: string;
}
