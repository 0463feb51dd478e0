import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { AuditService } from '../../auth/services/audit.service';
import { DeletedSecretView, SecretView } from '../dto/secret.dto';
import { Secret } from '../entities/secret.entity';
import { SecretsRepository } from '../repositories/secrets.repository';
import { SecretsConfig } from '../secrets.config';
import { RESERVED_SECRET_NAMES, SECRET_NAME_PATTERN, SecretsErrors } from '../secrets.errors';
import { DataKeysService } from './data-keys.service';
import { MasterKeyring } from './master-keyring.service';
import { SECRET_REFERENCE_PREFIX, VaultService } from '../vault.service';

export function secretView(s: Secret): SecretView {
  return {
    name: s.name,
    reference: `${SECRET_REFERENCE_PREFIX}${s.name}`,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    rotated_at: s.rotatedAt?.toISOString() ?? null,
    last_read_at: s.lastReadAt?.toISOString() ?? null,
    last_read_by: s.lastReadBy,
    created_by: s.createdBy,
    updated_by: s.updatedBy,
  };
}

/** Managing secrets (REST and CLI): metadata out, values in, never values out. */
@Injectable()
export class SecretsService {
  constructor(
    private readonly dataKeys: DataKeysService,
    private readonly repo: SecretsRepository,
    private readonly vault: VaultService,
    private readonly keyring: MasterKeyring,
    private readonly audit: AuditService,
    private readonly config: SecretsConfig,
  ) {}

  /** 503 VAULT_UNCONFIGURED when there is no master key (DATABASE_URL without ENCRYPTION_KEY). */
  assertConfigured(): void {
    if (!this.keyring.configured) throw SecretsErrors.unconfigured();
  }

  async list(limit: number, offset: number): Promise<[SecretView[], number]> {
    this.assertConfigured();
    const [rows, total] = await this.repo.list(limit, offset);
    return [rows.map(secretView), total];
  }

  async get(name: string): Promise<SecretView> {
    this.assertConfigured();
    assertValidName(name);
    const secret = await this.repo.findByName(name);
    if (!secret) throw SecretsErrors.notFound(name);
    return secretView(secret);
  }

  /** Creates or replaces a secret; `created` is false when an existing value was replaced (rotated). */
  async put(name: string, value: string): Promise<{ view: SecretView; created: boolean }> {
    this.assertConfigured();
    assertValidName(name);
    if (RESERVED_SECRET_NAMES.has(name)) throw SecretsErrors.reservedName(name);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.config.maxValueBytes) throw SecretsErrors.tooLarge(bytes, this.config.maxValueBytes);
    const { ciphertext, dataKeyId } = await this.vault.encryptSecret(name, value);
    const actor = RequestContext.principal()?.actor ?? 'system';
    const { secret, created } = await this.repo.upsert(name, ciphertext, dataKeyId, actor);
    await this.audit.record({ action: created ? 'secret.create' : 'secret.rotate', target: `secret:${name}` });
    return { view: secretView(secret), created };
  }

  /**
   * Re-initializes the vault of the current organization after corruption (a data
   * key that no longer decrypts): deletes its secrets and data key; the next write
   * creates a fresh data key. Values sealed under the old data key elsewhere
   * (webhook secrets, literal agent keys) must be set again. Audited.
   */
  async reinitialize(): Promise<number> {
    const removed = await this.dataKeys.reinitialize(RequestContext.organizationId());
    await this.audit.record({ action: 'vault.reinitialize', target: 'vault:organization', details: { secrets_removed: removed } });
    return removed;
  }

  async delete(name: string): Promise<DeletedSecretView> {
    this.assertConfigured();
    assertValidName(name);
    if (!(await this.repo.deleteByName(name))) throw SecretsErrors.notFound(name);
    await this.audit.record({ action: 'secret.delete', target: `secret:${name}` });
    return { name, deleted: true };
  }
}

export function assertValidName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw SecretsErrors.invalidName(name);
}
