import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { RequestContext } from '../../common/context/request-context';
import { AppException } from '../../common/errors/app-exception';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';
import { AuditService } from '../auth/services/audit.service';
import { Aad, aeadDecrypt, AeadAuthenticationError, aeadEncrypt } from './crypto/aead';
import { Secret } from './entities/secret.entity';
import { SecretsRepository } from './repositories/secrets.repository';
import { SECRET_NAME_PATTERN, SecretsErrors } from './secrets.errors';
import { DataKeysService } from './services/data-keys.service';
import { MasterKeyring } from './services/master-keyring.service';
import { VaultLockService } from './services/vault-lock.service';

export const SECRET_REFERENCE_PREFIX = 'secret:';
const SEALED_PREFIX = 'sealed:v1:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a `secret:<name>` reference (resolved at use time by VaultService.resolve). */
export function isSecretReference(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SECRET_REFERENCE_PREFIX);
}

/** True for a value produced by VaultService.seal. */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/**
 * The vault as other modules see it (contract in the team's service contracts):
 *
 * - `resolve(value)`: a `secret:<name>` reference is decrypted within the current
 *   organization, the read audited (`secret.read`) and recorded on the secret
 *   (last_read_at/by); any other string comes back unchanged. Throws
 *   423 VAULT_LOCKED, 404 SECRET_NOT_FOUND, 503 VAULT_UNCONFIGURED, 500 SECRET_TAMPERED.
 * - `seal(plaintext)` / `open(sealed)`: keep a value encrypted at rest in another
 *   module's table (e.g. a webhook's HMAC secret) under the organization's data
 *   key; master-key rotation covers it. `open` honours the vault lock.
 */
@Injectable()
export class VaultService {
  private readonly reads: Counter<'outcome'>;

  constructor(
    private readonly keyring: MasterKeyring,
    private readonly dataKeys: DataKeysService,
    private readonly secrets: SecretsRepository,
    private readonly lock: VaultLockService,
    private readonly audit: AuditService,
    metrics: MetricsRegistry,
  ) {
    this.reads = metrics.counter({
      name: 'vault_secret_reads_total',
      help: 'Secret reference resolutions by outcome (ok, locked, not_found, tampered, unconfigured, error)',
      labelNames: ['outcome'],
    });
  }

  async resolve(value: string): Promise<string> {
    if (!isSecretReference(value)) return value;
    const name = value.slice(SECRET_REFERENCE_PREFIX.length);
    try {
      const plaintext = await this.readSecret(name);
      this.reads.inc({ outcome: 'ok' });
      return plaintext;
    } catch (err) {
      const code = err instanceof AppException ? err.code : 'ERROR';
      this.reads.inc({ outcome: OUTCOME_OF[code] ?? 'error' });
      await this.audit.record({ action: 'secret.read', target: `secret:${name.slice(0, 128)}`, outcome: 'denied', details: { code } });
      throw err;
    }
  }

  async seal(plaintext: string): Promise<string> {
    const organizationId = RequestContext.organizationId();
    const dataKey = await this.dataKeys.forOrganization(organizationId);
    const envelope = aeadEncrypt(dataKey.key, Buffer.from(plaintext, 'utf8'), Aad.sealed(organizationId, dataKey.id));
    return `${SEALED_PREFIX}${dataKey.id}:${envelope}`;
  }

  async open(sealed: string): Promise<string> {
    if (!isSealed(sealed)) throw SecretsErrors.invalidSealed();
    const [dataKeyId, envelope] = splitOnce(sealed.slice(SEALED_PREFIX.length), ':');
    if (!envelope) throw SecretsErrors.invalidSealed();
    if (!this.keyring.configured) throw SecretsErrors.unconfigured();
    const organizationId = RequestContext.organizationId();
    await this.lock.assertUnlocked(organizationId);
    const dataKey = UUID.test(dataKeyId) ? await this.dataKeys.byIdInOrganization(organizationId, dataKeyId) : undefined;
    if (!dataKey) throw SecretsErrors.tampered('the sealed value (its data key belongs to no key of this organization)');
    try {
      return aeadDecrypt(dataKey.key, envelope, Aad.sealed(organizationId, dataKey.id)).toString('utf8');
    } catch (err) {
      if (err instanceof AeadAuthenticationError) throw SecretsErrors.tampered('the sealed value');
      throw err;
    }
  }

  /** Encrypts a secret value for row `name` of the current organization (used by SecretsService). */
  async encryptSecret(name: string, plaintext: string): Promise<{ ciphertext: string; dataKeyId: string }> {
    const organizationId = RequestContext.organizationId();
    const dataKey = await this.dataKeys.forOrganization(organizationId);
    return { ciphertext: aeadEncrypt(dataKey.key, Buffer.from(plaintext, 'utf8'), Aad.secret(organizationId, name)), dataKeyId: dataKey.id };
  }

  /**
   * Decrypts a stored secret row without auditing it or checking the lock: for the
   * security audit, which only verifies integrity and discards the plaintext.
   */
  async decryptRow(secret: Secret): Promise<string> {
    const dataKey = await this.dataKeys.byIdInOrganization(secret.organizationId, secret.dataKeyId);
    if (!dataKey) throw SecretsErrors.tampered(`secret "${secret.name}" (its data key is missing)`);
    try {
      return aeadDecrypt(dataKey.key, secret.ciphertext, Aad.secret(secret.organizationId, secret.name)).toString('utf8');
    } catch (err) {
      if (err instanceof AeadAuthenticationError) throw SecretsErrors.tampered(`secret "${secret.name}"`);
      throw err;
    }
  }

  private async readSecret(name: string): Promise<string> {
    if (!this.keyring.configured) throw SecretsErrors.unconfigured();
    const organizationId = RequestContext.organizationId();
    await this.lock.assertUnlocked(organizationId);
    if (!SECRET_NAME_PATTERN.test(name)) throw SecretsErrors.notFound(name);
    const secret = await this.secrets.findByName(name);
    if (!secret) throw SecretsErrors.notFound(name);
    const plaintext = await this.decryptRow(secret);
    const actor = RequestContext.principal()?.actor ?? 'system';
    await this.secrets.markRead(secret.id, actor);
    await this.audit.record({ action: 'secret.read', target: `secret:${name}`, details: { transport: RequestContext.current()?.transport } });
    return plaintext;
  }
}

const OUTCOME_OF: Record<string, string> = {
  VAULT_LOCKED: 'locked',
  SECRET_NOT_FOUND: 'not_found',
  SECRET_TAMPERED: 'tampered',
  VAULT_UNCONFIGURED: 'unconfigured',
};

function splitOnce(value: string, sep: string): [string, string | undefined] {
  const i = value.indexOf(sep);
  return i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1)];
}
