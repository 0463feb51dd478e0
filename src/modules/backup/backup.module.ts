import { Module } from '@nestjs/common';
import { BackupController } from './backup.controller';

/**
 * Backups: `clawcontrol backup|backup verify|restore` (src/cli/commands/backup.command.ts) and,
 * for the embedded database, the online POST /api/admin/backup.
 */
@Module({ controllers: [BackupController] })
export class BackupModule {}
