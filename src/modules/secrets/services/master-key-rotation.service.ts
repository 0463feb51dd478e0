import { Injectable, Logger } from '@nestjs/common';
import { AppException } from '../../../common/errors/app-exception';
import { AuditService } from '../../auth/services/audit.service';
import { DataKeysRepository } from '../repositories/data-keys.repository';
import { SecretsConfig } from '../secrets.config';
import { SecretsErrors } from '../secrets.errors';
import { DataKeysService, wrapDataKey } from './data-keys.service';
import { MasterKeyring } from './master-keyring.service';

export interface RotationFailure {
  dataKeyId: string;
  organizationId: string;
  code: string;
  detail: string;
}

export interface RotationReport {
  masterKeyId: string;
  rewrapped: number;
  alreadyCurrent: number;
  batches: number;
  failed: RotationFailure[];
}

/**
 * Master-key rotation: re-wraps every data key not yet wrapped with the current
 * master key (ENCRYPTION_KEY), in batches, each batch its own short transaction
 * (rows locked FOR UPDATE SKIP LOCKED, so two rotators never collide). The
 * secrets themselves are untouched. Readers keep working throughout: each data
 * key names the master key that wraps it, and both keys are held meanwhile.
 * Idempotent: a second run finds nothing to do.
 */
@Injectable()
export class MasterKeyRotationService {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly repo: DataKeysRepository,
    private readonly keyring: MasterKeyring,
    private readonly dataKeys: DataKeysService,
    private readonly audit: AuditService,
    private readonly config: SecretsConfig,
  ) {}

  async rotate(opts: { batchSize?: number; onBatch?: (done: number) => void; actor?: string } = {}): Promise<RotationReport> {
    const current = this.keyring.current;
    if (!current) throw SecretsErrors.unconfigured();
    const batchSize = opts.batchSize ?? this.config.rotationBatchSize;
    const report: RotationReport = { masterKeyId: current.id, rewrapped: 0, alreadyCurrent: 0, batches: 0, failed: [] };
    report.alreadyCurrent = (await this.repo.countByMasterKey()).get(current.id) ?? 0;

    const skip: string[] = [];
    for (;;) {
      const { rewrapped, failed } = await this.repo.rewrapBatch(current.id, batchSize, skip, (row) => {
        try {
          const unwrapped = this.dataKeys.unwrap(row);
          return wrapDataKey(current, row, unwrapped.key);
        } catch (err) {
          return err as Error;
        }
      });
      if (rewrapped.length === 0 && failed.length === 0) break;
      report.batches++;
      report.rewrapped += rewrapped.length;
      for (const f of failed) {
        skip.push(f.id);
        report.failed.push({
          dataKeyId: f.id,
          organizationId: f.organizationId,
          code: f.error instanceof AppException ? f.error.code : 'ERROR',
          detail: f.error.message,
        });
      }
      opts.onBatch?.(report.rewrapped);
    }

    await this.audit.record({
      action: 'vault.rotate_master',
      target: `master_key:${current.id}`,
      outcome: report.failed.length ? 'failed' : 'ok',
      actor: opts.actor,
      details: { rewrapped: report.rewrapped, already_current: report.alreadyCurrent, failed: report.failed.length, previous: this.keyring.previous?.id },
    });
    this.logger.log(`master key rotation to ${current.id}: ${report.rewrapped} re-wrapped, ${report.failed.length} failed`);
    return report;
  }
}
