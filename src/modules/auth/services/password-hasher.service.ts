import { Injectable, OnModuleInit } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomToken } from '../../../common/crypto';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const ARGON2ID = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * argon2id password hashing. Logins of unknown users are verified against a
 * dummy hash with the same parameters, so the answer takes as long as for a
 * real user and timing does not reveal whether an account exists.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash?: Promise<string>;

  onModuleInit(): void {
    this.dummyHash = hash(randomToken(24), ARGON2ID);
  }

  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID);
  }

  /** Verifies against the stored PHC string, or against the dummy hash when there is none. */
  async verify(stored: string | undefined, password: string): Promise<boolean> {
    const target = stored ?? (await (this.dummyHash ??= hash(randomToken(24), ARGON2ID)));
    try {
      const ok = await verify(target, password);
      return ok && stored !== undefined;
    } catch {
      return false; // a corrupt stored hash never authenticates
    }
  }
}
