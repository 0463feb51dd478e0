import { Injectable } from '@nestjs/common';
import { isSealed, isSecretReference, VaultService } from '../secrets/vault.service';

/**
 * Keeps provider API keys out of the agents table in clear: a `secret:<name>`
 * reference is stored as is and resolved at use time (audited by the vault);
 * a literal key is sealed under the organization's data key. Nothing here
 * returns a key to anyone but the provider about to use it.
 */
@Injectable()
export class AgentSecrets {
  constructor(private readonly vault: VaultService) {}

  /** The value to store for a key given by an operator. */
  async toStored(apiKey: string): Promise<string> {
    return isSecretReference(apiKey) ? apiKey : this.vault.seal(apiKey);
  }

  /** The usable key of a stored value (throws the vault's problem, e.g. VAULT_LOCKED, SECRET_NOT_FOUND). */
  async resolve(stored: string): Promise<string> {
    return isSealed(stored) ? this.vault.open(stored) : this.vault.resolve(stored);
  }
}
