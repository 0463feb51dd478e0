import { Principal } from '../../../common/context/principal';
import { sha256Hex } from '../../../common/crypto';

const TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/**
 * Recently verified tokens, so a reconnect storm (every dashboard after a
 * restart) costs one credential lookup per token rather than one per socket.
 * Keyed by the token's SHA-256 (the token itself is never kept); entries live
 * 10 s and are dropped at once when their credential, user or organization is
 * revoked or locked (the same bus events that close the sockets).
 */
export class AuthCache {
  private readonly entries = new Map<string, { principal: Principal; at: number }>();
  private readonly inflight = new Map<string, Promise<Principal>>();

  /** One lookup per token at a time: concurrent connects with the same token share its outcome. */
  coalesce(token: string, lookup: () => Promise<Principal>): Promise<Principal> {
    const key = sha256Hex(token);
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = lookup().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  get(token: string, now = Date.now()): Principal | undefined {
    const key = sha256Hex(token);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    const expired = hit.principal.expiresAt && hit.principal.expiresAt.getTime() <= now;
    if (now - hit.at > TTL_MS || expired) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.principal;
  }

  set(token: string, principal: Principal, now = Date.now()): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(sha256Hex(token), { principal, at: now });
  }

  /** Forgets every entry matching `drop` (revoked credentials, a user's, a locked organization's). */
  forget(drop: (p: Principal) => boolean): void {
    for (const [key, { principal }] of this.entries) if (drop(principal)) this.entries.delete(key);
  }
}

/** At most `max` concurrent tasks; the rest wait in order (credential lookups must not starve the pool). */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
