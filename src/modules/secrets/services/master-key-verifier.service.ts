import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppException } from '../../../common/errors/app-exception';
import { DataKeysRepository } from '../repositories/data-keys.repository';
import { DataKeysService } from './data-keys.service';
import { MasterKeyring } from './master-keyring.service';

/** The master key in force cannot open the data already in the database: boot stops with this. */
export class MasterKeyMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyMismatchError';
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * At boot, checks the master key against the data keys stored in the database
 * (their fingerprints), so a restore onto a machine with another key, or a
 * forgotten ENCRYPTION_KEY, stops the service with a message naming the
 * variable, instead of serving secrets that cannot be decrypted.
 */
@Injectable()
export class MasterKeyVerifier implements OnApplicationBootstrap {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly repo: DataKeysRepository,
    private readonly keyring: MasterKeyring,
    private readonly dataKeys: DataKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    let counts: Map<string, number>;
    try {
      counts = await this.repo.countByMasterKey();
    } catch (err) {
      if ((err as any)?.driverError?.code === '42P01') {
        this.logger.warn('data_keys table missing (migrations not applied?): master key not verified');
        return;
      }
      throw err;
    }
    this.verify(counts);
    await this.sampleUnwrap(counts);
    this.reportRotationState(counts);
  }

  /** Throws MasterKeyMismatchError when a stored data key is wrapped with a key this process lacks. */
  verify(counts: Map<string, number>): void {
    if (counts.size === 0) return;
    const describe = [...counts].map(([id, n]) => `${plural(n, 'data key')} with master key ${id}`).join(', ');
    if (!this.keyring.current) {
      throw new MasterKeyMismatchError(
        `ENCRYPTION_KEY is not set, but the database holds secrets encrypted under a master key (${describe}). ` +
          'Set ENCRYPTION_KEY to that key (the fingerprint above identifies it) and start again.',
      );
    }
    const unknown = [...counts].filter(([id]) => !this.keyring.byId(id));
    if (unknown.length === 0) return;
    const held = this.keyring.previous
      ? `ENCRYPTION_KEY is ${this.keyring.current.id} and ENCRYPTION_KEY_PREVIOUS is ${this.keyring.previous.id}`
      : `ENCRYPTION_KEY is ${this.keyring.current.id}`;
    const source = this.keyring.source === 'key_file' ? ` (read from ${this.keyring.keyFilePath})` : '';
    throw new MasterKeyMismatchError(
      `ENCRYPTION_KEY does not match this database: the data was encrypted with a different master key ` +
        `(${unknown.map(([id, n]) => `${plural(n, 'data key')} under ${id}`).join(', ')}), but ${held}${source}. ` +
        'Was this database restored onto a machine with another key? Set ENCRYPTION_KEY to the key the data was encrypted with ' +
        '(during a rotation, the old one as ENCRYPTION_KEY_PREVIOUS). Refusing to start rather than serve secrets that cannot be decrypted.',
    );
  }

  /** Unwraps one data key per master key: a fingerprint that matches but does not authenticate means tampering. */
  private async sampleUnwrap(counts: Map<string, number>): Promise<void> {
    for (const id of counts.keys()) {
      const row = await this.repo.findOneWrappedBy(id);
      if (!row) continue;
      try {
        this.dataKeys.unwrap(row);
      } catch (err) {
        const code = err instanceof AppException ? err.code : 'ERROR';
        this.logger.error(
          `data key of organization ${row.organizationId} (master key ${id}) does not decrypt (${code}); run: clawcontrol security audit`,
        );
      }
    }
  }

  private reportRotationState(counts: Map<string, number>): void {
    const previous = this.keyring.previous;
    if (!previous) return;
    const left = counts.get(previous.id) ?? 0;
    if (left > 0) {
      this.logger.warn(
        `${plural(left, 'data key')} still wrapped with ENCRYPTION_KEY_PREVIOUS (${previous.id}): run \`clawcontrol secrets rotate-master\``,
      );
    } else {
      this.logger.log(`every data key is wrapped with ENCRYPTION_KEY (${this.keyring.current!.id}): ENCRYPTION_KEY_PREVIOUS can be removed`);
    }
  }
}
