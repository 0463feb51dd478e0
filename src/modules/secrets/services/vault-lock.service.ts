import { Injectable, OnModuleInit } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { AuditService } from '../../auth/services/audit.service';
import {
  globalLockKey,
  organizationLockKey,
  StoredVaultLock,
  VAULT_LOCK_KEY_PREFIX,
  VaultLockRepository,
} from '../repositories/vault-lock.repository';
import { SecretsErrors } from '../secrets.errors';

export type VaultLockScope = 'organization' | 'global';
export const VAULT_LOCK_SCOPES: VaultLockScope[] = ['organization', 'global'];

/** At most this stale on a replica that missed the settings.changed event (no Redis). */
const CACHE_MS = 1000;

export interface VaultLockView {
  locked: boolean;
  since: string | null;
  by: string | null;
  reason: string | null;
}

export interface VaultLockStatus {
  /** True when anything (organization or global lock) stops decryption for this organization. */
  locked: boolean;
  organization: VaultLockView;
  global: VaultLockView;
}

function view(lock: StoredVaultLock | undefined): VaultLockView {
  return { locked: !!lock, since: lock?.since ?? null, by: lock?.by ?? null, reason: lock?.reason ?? null };
}

/**
 * Vault lock, per organization and global. While either applies, nothing of the
 * organization decrypts (VaultService.resolve/open answer 423 VAULT_LOCKED).
 * Stored in the database; cached ≤ 1 s and refreshed at once on settings.changed.
 */
@Injectable()
export class VaultLockService implements OnModuleInit {
  private readonly cache = new Map<string, { lock: StoredVaultLock | undefined; at: number }>();

  constructor(
    private readonly repo: VaultLockRepository,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('settings.changed', ({ key }) => {
      if (key.startsWith(VAULT_LOCK_KEY_PREFIX)) this.cache.delete(key);
    });
  }

  /** Lock state seen by the organization in the request context. */
  async status(): Promise<VaultLockStatus> {
    const [org, global] = await Promise.all([
      this.read(organizationLockKey(RequestContext.organizationId())),
      this.read(globalLockKey()),
    ]);
    return { locked: !!org || !!global, organization: view(org), global: view(global) };
  }

  /** Throws 423 VAULT_LOCKED when the organization's vault (or every vault) is locked. */
  async assertUnlocked(organizationId = RequestContext.organizationId()): Promise<void> {
    if (await this.read(globalLockKey())) throw SecretsErrors.locked('global');
    if (await this.read(organizationLockKey(organizationId))) throw SecretsErrors.locked('organization');
  }

  async lock(scope: VaultLockScope, reason?: string): Promise<VaultLockStatus> {
    await this.assertMayChange(scope, 'lock');
    const principal = RequestContext.principal();
    const key = this.keyOf(scope);
    const changed = await this.repo.lock(key, { since: new Date().toISOString(), by: principal?.actor ?? 'system', reason });
    await this.audit.record({
      action: 'vault.lock',
      target: `vault:${scope}`,
      details: { scope, reason, already_locked: !changed },
    });
    this.changed(key);
    return this.status();
  }

  async unlock(scope: VaultLockScope): Promise<VaultLockStatus> {
    await this.assertMayChange(scope, 'unlock');
    const key = this.keyOf(scope);
    const changed = await this.repo.unlock(key);
    await this.audit.record({
      action: 'vault.unlock',
      target: `vault:${scope}`,
      details: { scope, was_locked: changed },
    });
    this.changed(key);
    return this.status();
  }

  /** Every lock currently held, for self-check and the security audit. */
  async heldLocks(): Promise<{ global: boolean; organizationIds: string[] }> {
    const keys = await this.repo.lockedKeys();
    const orgPrefix = organizationLockKey('');
    return {
      global: keys.includes(globalLockKey()),
      organizationIds: keys.filter((k) => k.startsWith(orgPrefix)).map((k) => k.slice(orgPrefix.length)),
    };
  }

  private keyOf(scope: VaultLockScope): string {
    return scope === 'global' ? globalLockKey() : organizationLockKey(RequestContext.organizationId());
  }

  /** Organization scope: locking needs write (route), unlocking admin. Global: a platform admin either way. */
  private async assertMayChange(scope: VaultLockScope, what: 'lock' | 'unlock'): Promise<void> {
    const principal = RequestContext.principal();
    if (principal?.kind === 'system') return;
    const refusal =
      scope === 'global' && !principal?.platformAdmin
        ? SecretsErrors.globalNeedsPlatformAdmin()
        : what === 'unlock' && !principal?.scopes.has('operator.admin')
          ? SecretsErrors.unlockNeedsAdmin()
          : undefined;
    if (!refusal) return;
    await this.audit.record({ action: `vault.${what}`, target: `vault:${scope}`, outcome: 'denied', details: { scope, code: refusal.code } });
    throw refusal;
  }

  private changed(key: string): void {
    this.cache.delete(key);
    this.bus.publish('settings.changed', { key });
  }

  private async read(key: string): Promise<StoredVaultLock | undefined> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.lock;
    const lock = await this.repo.get(key);
    this.cache.set(key, { lock, at: Date.now() });
    return lock;
  }
}
