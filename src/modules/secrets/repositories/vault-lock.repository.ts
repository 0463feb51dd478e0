import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface StoredVaultLock {
  since: string;
  by: string;
  reason?: string;
}

export const VAULT_LOCK_KEY_PREFIX = 'vault.lock.';
export const globalLockKey = () => `${VAULT_LOCK_KEY_PREFIX}global`;
export const organizationLockKey = (organizationId: string) => `${VAULT_LOCK_KEY_PREFIX}org.${organizationId}`;

/**
 * Vault locks live in the cluster-wide `settings` table (one row per lock), so
 * they survive restarts and hold on every replica. A missing row means unlocked.
 */
@Injectable()
export class VaultLockRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async get(key: string): Promise<StoredVaultLock | undefined> {
    const rows: { value: StoredVaultLock }[] = await this.ds.query(`SELECT value FROM settings WHERE key = $1`, [key]);
    return rows[0]?.value;
  }

  /** Sets the lock unless it is already held (the first locker's record is kept); true when newly locked. */
  async lock(key: string, value: StoredVaultLock): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2::jsonb, $3, now())
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, JSON.stringify(value), value.by],
    );
    return rows.length > 0;
  }

  /** Removes the lock; true when there was one. */
  async unlock(key: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(`DELETE FROM settings WHERE key = $1 RETURNING key`, [key]);
    return rows.length > 0;
  }

  /** Organizations whose vault is locked (self-check, audit). */
  async lockedKeys(): Promise<string[]> {
    const rows: { key: string }[] = await this.ds.query(`SELECT key FROM settings WHERE key LIKE $1`, [`${VAULT_LOCK_KEY_PREFIX}%`]);
    return rows.map((r) => r.key);
  }
}
