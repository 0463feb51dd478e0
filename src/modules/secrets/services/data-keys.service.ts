import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventBus } from '../../../common/events/event-bus';
import { Aad, aeadDecrypt, AeadAuthenticationError, aeadEncrypt } from '../crypto/aead';
import { MasterKey } from '../crypto/master-key';
import { DataKeyRow, DataKeysRepository } from '../repositories/data-keys.repository';
import { VAULT_LOCK_KEY_PREFIX } from '../repositories/vault-lock.repository';
import { SecretsErrors } from '../secrets.errors';
import { MasterKeyring } from './master-keyring.service';

export interface UnwrappedDataKey {
  id: string;
  organizationId: string;
  key: Buffer;
}

/** Wraps a data key under a master key; the associated data binds it to its organization and id. */
export function wrapDataKey(master: MasterKey, row: { id: string; organizationId: string }, key: Buffer): string {
  return aeadEncrypt(master.key, key, Aad.dataKey(row.organizationId, row.id));
}

/**
 * The per-organization data keys of envelope encryption: created on first use,
 * unwrapped with whichever held master key wrapped them (current, or previous
 * during a rotation), cached unwrapped in memory. The cache is dropped whenever
 * a vault lock changes.
 */
@Injectable()
export class DataKeysService implements OnModuleInit {
  private readonly byId = new Map<string, UnwrappedDataKey>();
  private readonly byOrg = new Map<string, UnwrappedDataKey>();

  constructor(
    private readonly repo: DataKeysRepository,
    private readonly keyring: MasterKeyring,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('settings.changed', ({ key }) => {
      if (key.startsWith(VAULT_LOCK_KEY_PREFIX)) this.forget();
    });
  }

  forget(): void {
    this.byId.clear();
    this.byOrg.clear();
  }

  /** Drops the organization's secrets and data key; the next write creates a fresh data key. */
  async reinitialize(organizationId: string): Promise<number> {
    const removed = await this.repo.deleteOrganizationVault(organizationId);
    this.forget();
    return removed;
  }

  /** The organization's data key, created (wrapped with the current master key) on first use. */
  async forOrganization(organizationId: string): Promise<UnwrappedDataKey> {
    const cached = this.byOrg.get(organizationId);
    if (cached) return cached;
    let row = await this.repo.findForOrganization(organizationId);
    if (!row) {
      const current = this.keyring.current;
      if (!current) throw SecretsErrors.unconfigured();
      const id = randomUUID();
      const wrappedKey = wrapDataKey(current, { id, organizationId }, randomBytes(32));
      await this.repo.insertIfAbsent({ id, organizationId, wrappedKey, masterKeyId: current.id });
      row = await this.repo.findForOrganization(organizationId); // ours, or the one another replica inserted first
      if (!row) throw new Error(`data key of organization ${organizationId} vanished right after insert`);
    }
    return this.remember(this.unwrap(row));
  }

  /** A data key by id, only within `organizationId` (undefined when the organization has no such key). */
  async byIdInOrganization(organizationId: string, id: string): Promise<UnwrappedDataKey | undefined> {
    const cached = this.byId.get(id);
    if (cached) return cached.organizationId === organizationId ? cached : undefined;
    const row = await this.repo.findById(organizationId, id);
    return row ? this.remember(this.unwrap(row)) : undefined;
  }

  /** Unwraps with the master key named by the row; tampering and missing keys become clear problems. */
  unwrap(row: DataKeyRow): UnwrappedDataKey {
    if (!this.keyring.configured) throw SecretsErrors.unconfigured();
    const master = this.keyring.byId(row.masterKeyId);
    if (!master) throw SecretsErrors.masterKeyMissing(row.masterKeyId, this.keyring.heldIds());
    try {
      const key = aeadDecrypt(master.key, row.wrappedKey, Aad.dataKey(row.organizationId, row.id));
      return { id: row.id, organizationId: row.organizationId, key };
    } catch (err) {
      if (err instanceof AeadAuthenticationError) throw SecretsErrors.tampered(`the data key of organization ${row.organizationId}`);
      throw err;
    }
  }

  private remember(key: UnwrappedDataKey): UnwrappedDataKey {
    this.byId.set(key.id, key);
    this.byOrg.set(key.organizationId, key);
    return key;
  }
}
