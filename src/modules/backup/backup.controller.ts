import { Controller, HttpCode, Inject, Post, Res, StreamableFile } from '@nestjs/common';
import { ApiConflictResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequestContext } from '../../common/context/request-context';
import { AppException } from '../../common/errors/app-exception';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { DATABASE_ENDPOINT } from '../../database/database.module';
import { DatabaseEndpoint } from '../../database/database-endpoint';
import { AuditService } from '../auth/services/audit.service';
import { BACKUP_ERRORS } from './backup.errors';
import { backupFileName } from './backup-files';

/**
 * Online backup of the embedded database: the CLI cannot open DATA_DIR while the service holds
 * it, so the running process streams the dump. With PostgreSQL use `clawcontrol backup` (pg_dump).
 */
@ApiTags('admin')
@Controller('api/admin/backup')
export class BackupController {
  constructor(
    @Inject(DATABASE_ENDPOINT) private readonly endpoint: DatabaseEndpoint,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @HttpCode(200)
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary:
      'Embedded database only: download a consistent backup (gzipped tarball of the data directory, restorable with `clawcontrol restore`). Platform administrators only',
  })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ description: 'clawcontrol-<time>.pglite.tar.gz' })
  @ApiForbiddenResponse({ description: 'PLATFORM_ADMIN_REQUIRED: the backup holds every organization' })
  @ApiConflictResponse({ description: 'BACKUP_USE_PG_DUMP: the service runs on PostgreSQL; use `clawcontrol backup`' })
  async backup(@Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    if (!RequestContext.principal()?.platformAdmin) {
      throw new AppException(403, 'PLATFORM_ADMIN_REQUIRED', 'a backup holds every organization: only platform administrators may take one');
    }
    if (!this.endpoint.embedded || !this.endpoint.dumpDataDir) {
      throw new AppException(
        409,
        BACKUP_ERRORS.USE_PG_DUMP,
        'the service runs on PostgreSQL (DATABASE_URL): take backups with `clawcontrol backup` (pg_dump), which needs no service involvement',
      );
    }
    const started = Date.now();
    const data = Buffer.from(await (await this.endpoint.dumpDataDir()).arrayBuffer());
    const name = backupFileName('pglite');
    await this.audit.record({
      action: 'backup.created',
      target: name,
      details: { bytes: data.length, duration_ms: Date.now() - started, via: 'rest' },
    });
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(data, { type: 'application/gzip', length: data.length });
  }
}
