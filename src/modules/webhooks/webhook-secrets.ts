import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { SECRET_NAME_PATTERN } from '../secrets/secrets.errors';
import { SecretsService } from '../secrets/services/secrets.service';
import { isSecretReference, SECRET_REFERENCE_PREFIX, VaultService } from '../secrets/vault.service';
import { Webhook } from './entities/webhook.entity';

/** How a webhook keeps its HMAC secret: sealed by the vault, or a reference to a vault secret. */
export interface StoredSecret {
  secretSealed: string | null;
  secretRef: string | null;
}

/** True when `secret:<name>` names a valid vault secret name (whether it exists is checked at use). */
export function isValidSecretReference(value: string): boolean {
  return isSecretReference(value) && SECRET_NAME_PATTERN.test(value.slice(SECRET_REFERENCE_PREFIX.length));
}

/**
 * Webhook HMAC secrets at rest: a plaintext secret is sealed with the
 * organization's data key (VaultService.seal: ENCRYPTION_KEY → data key →
 * value, covered by master-key rotation); a `secret:<name>` reference is
 * stored as written and resolved through the vault at use (audited there).
 */
@Injectable()
export class WebhookSecrets {
  constructor(
    private readonly vault: VaultService,
    private readonly secrets: SecretsService,
  ) {}

  /** What to store for a secret from a request body (null removes it). Runs in the caller's organization. */
  async toStored(secret: string | null): Promise<StoredSecret> {
    if (secret === null) return { secretSealed: null, secretRef: null };
    if (isSecretReference(secret)) {
      await this.assertReferenceExists(secret);
      return { secretSealed: null, secretRef: secret };
    }
    return { secretSealed: await this.vault.seal(secret), secretRef: null };
  }

  /** A reference to a secret that does not exist is refused now (its metadata is read, not its value). */
  private async assertReferenceExists(reference: string): Promise<void> {
    const name = reference.slice(SECRET_REFERENCE_PREFIX.length);
    try {
      await this.secrets.get(name);
    } catch (err) {
      if (err instanceof AppException && err.code === 'SECRET_NOT_FOUND') {
        throw new AppException(422, 'WEBHOOK_SECRET_REFERENCE_UNKNOWN', `secret '${name}' does not exist in this organization; create it first (PUT /api/secrets/${name})`, {
          field: 'secret',
        });
      }
      throw err;
    }
  }

  /** The plaintext secret of a webhook, or undefined when it has none. Runs in the webhook's organization. */
  async plaintextOf(webhook: Pick<Webhook, 'secretSealed' | 'secretRef'>): Promise<string | undefined> {
    if (webhook.secretSealed) return this.vault.open(webhook.secretSealed);
    if (webhook.secretRef) return this.vault.resolve(webhook.secretRef);
    return undefined;
  }
}
