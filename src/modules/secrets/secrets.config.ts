import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CrossFieldCheck } from '../../config/config-loader';
import { EnvVar } from '../../config/env-var.decorator';
import { parseMasterKey } from './crypto/master-key';

export class SecretsConfig implements CrossFieldCheck {
  @EnvVar({
    name: 'ENCRYPTION_KEY',
    doc: 'Master key of the secrets vault: 64 hex chars or base64 of 32 bytes (openssl rand -hex 32). Unset: embedded mode keeps a generated key in DATA_DIR/encryption.key; with DATABASE_URL the vault is unconfigured (secrets answer 503)',
    secret: true,
  })
  @IsOptional()
  @IsString()
  encryptionKey?: string;

  @EnvVar({
    name: 'ENCRYPTION_KEY_PREVIOUS',
    doc: 'The master key being rotated out (same format): data keys wrapped with it stay readable until `clawcontrol secrets rotate-master` re-wraps them',
    secret: true,
  })
  @IsOptional()
  @IsString()
  encryptionKeyPrevious?: string;

  @EnvVar({ name: 'SECRETS_MAX_VALUE_BYTES', doc: 'Largest secret value accepted by PUT /api/secrets/:name', default: '65536' })
  @IsInt()
  @Min(1)
  @Max(1048576)
  maxValueBytes: number;

  @EnvVar({ name: 'SECRETS_ROTATION_BATCH_SIZE', doc: 'Data keys re-wrapped per transaction by rotate-master', default: '100' })
  @IsInt()
  @Min(1)
  @Max(10000)
  rotationBatchSize: number;

  crossFieldProblems(): string[] {
    const problems: string[] = [];
    for (const [name, value] of [
      ['ENCRYPTION_KEY', this.encryptionKey],
      ['ENCRYPTION_KEY_PREVIOUS', this.encryptionKeyPrevious],
    ] as const) {
      if (value === undefined) continue;
      try {
        parseMasterKey(value);
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
    if (this.encryptionKeyPrevious && !this.encryptionKey) {
      problems.push('ENCRYPTION_KEY_PREVIOUS: set only together with ENCRYPTION_KEY (the new master key)');
    }
    return problems;
  }
}
