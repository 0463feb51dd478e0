import { Injectable, Logger } from '@nestjs/common';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DatabaseConfig } from '../../../config/database.config';
import { MEMORY_DATA_DIR } from '../../../database/embedded-postgres';
import { MasterKey, masterKey } from '../crypto/master-key';
import { SecretsConfig } from '../secrets.config';

export const KEY_FILE_NAME = 'encryption.key';

/** Where the current master key came from. */
export type MasterKeySource = 'env' | 'key_file' | 'ephemeral' | 'none';

/**
 * The master keys of this process: the current one (ENCRYPTION_KEY, or in
 * embedded mode a key file generated under DATA_DIR on first boot) and the
 * previous one during a rotation (ENCRYPTION_KEY_PREVIOUS). With DATABASE_URL
 * and no ENCRYPTION_KEY there is no current key: the vault is unconfigured.
 */
@Injectable()
export class MasterKeyring {
  private readonly logger = new Logger('Vault');
  readonly current?: MasterKey;
  readonly previous?: MasterKey;
  readonly source: MasterKeySource;
  readonly keyFilePath?: string;

  constructor(config: SecretsConfig, db: DatabaseConfig) {
    if (config.encryptionKey) {
      this.current = masterKey(config.encryptionKey);
      this.source = 'env';
    } else if (db.embedded && db.dataDir === MEMORY_DATA_DIR) {
      this.current = masterKey(randomBytes(32).toString('hex'));
      this.source = 'ephemeral';
    } else if (db.embedded) {
      this.keyFilePath = join(resolve(db.dataDir), KEY_FILE_NAME);
      const raw = this.readOrCreateKeyFile(this.keyFilePath);
      try {
        this.current = masterKey(raw);
      } catch (err) {
        throw new Error(`${this.keyFilePath} does not hold a valid master key: ${(err as Error).message}`);
      }
      this.source = 'key_file';
    } else {
      this.source = 'none';
      this.logger.warn(
        'ENCRYPTION_KEY is not set: the secrets vault is unconfigured (secrets endpoints answer 503 VAULT_UNCONFIGURED). Set ENCRYPTION_KEY (openssl rand -hex 32).',
      );
    }
    if (config.encryptionKeyPrevious) {
      const previous = masterKey(config.encryptionKeyPrevious);
      if (previous.id !== this.current?.id) this.previous = previous;
    }
  }

  get configured(): boolean {
    return !!this.current;
  }

  /** The key with this fingerprint, if this process holds it. */
  byId(id: string): MasterKey | undefined {
    if (this.current?.id === id) return this.current;
    if (this.previous?.id === id) return this.previous;
    return undefined;
  }

  /** Ids of the keys this process holds, for messages. */
  heldIds(): string[] {
    return [this.current?.id, this.previous?.id].filter((x): x is string => !!x);
  }

  /** Permission bits of the key file (embedded mode), e.g. 0o600. */
  keyFileMode(): number | undefined {
    if (!this.keyFilePath || !existsSync(this.keyFilePath)) return undefined;
    return statSync(this.keyFilePath).mode & 0o777;
  }

  private readOrCreateKeyFile(path: string): string {
    if (existsSync(path)) return readFileSync(path, 'utf8').trim();
    mkdirSync(resolve(path, '..'), { recursive: true });
    const generated = randomBytes(32).toString('hex');
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${generated}\n`);
      closeSync(fd);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
      throw err;
    }
    this.logger.warn(
      `ENCRYPTION_KEY is not set: generated a master key in ${path} (mode 0600). Fine for development; ` +
        'in production set ENCRYPTION_KEY from your secret store and keep this file out of backups.',
    );
    return generated;
  }
}
