import { createHmac } from 'node:crypto';

export const MASTER_KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A master key (key-encryption key) and its public fingerprint, which is stored next to what it wraps. */
export interface MasterKey {
  /** `mk_<16 hex>`: identifies the key without revealing it. */
  id: string;
  key: Buffer;
}

/**
 * Parses ENCRYPTION_KEY: 64 hex characters, or base64/base64url of exactly 32 bytes.
 * The error names the accepted formats but never echoes the value.
 */
export function parseMasterKey(raw: string): Buffer {
  const value = raw.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === MASTER_KEY_BYTES) return bytes;
  }
  throw new Error(
    `must be 64 hex characters or base64 of 32 bytes (got ${value.length} characters); generate one with: openssl rand -hex 32`,
  );
}

/** The stable, non-reversible id of a master key (HMAC of a constant label under the key). */
export function masterKeyId(key: Buffer): string {
  return `mk_${createHmac('sha256', key).update('clawcontrol/master-key-id/v1').digest('hex').slice(0, 16)}`;
}

export function masterKey(raw: string): MasterKey {
  const key = parseMasterKey(raw);
  return { id: masterKeyId(key), key };
}
