import { createHash, createPublicKey, verify } from 'node:crypto';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const DEVICE_SIGNATURE_SKEW_MS = 10 * 60 * 1000;

export interface DeviceBlock {
  id: string;
  publicKey: string;
  signature: string;
  signedAt: number;
  nonce: string;
}

export interface DeviceSignedFields {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  signedAt: number;
  token: string;
  nonce: string;
  platform?: string;
  deviceFamily?: string;
}

/** `v3|deviceId|client.id|client.mode|role|scopes|signedAt|token|nonce|platform|deviceFamily` */
export function devicePayloadV3(f: DeviceSignedFields): string {
  return [
    'v3',
    f.deviceId,
    f.clientId,
    f.clientMode,
    f.role,
    f.scopes.join(','),
    String(f.signedAt),
    f.token,
    f.nonce,
    (f.platform ?? '').toLowerCase(),
    (f.deviceFamily ?? '').toLowerCase(),
  ].join('|');
}

/** `v2|deviceId|client.id|client.mode|role|scopes|signedAt|token|nonce` */
export function devicePayloadV2(f: DeviceSignedFields): string {
  return ['v2', f.deviceId, f.clientId, f.clientMode, f.role, f.scopes.join(','), String(f.signedAt), f.token, f.nonce].join('|');
}

function fromBase64Url(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  return Buffer.from(value.replace(/=+$/, ''), 'base64url');
}

export function deviceIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex');
}

export type DeviceVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Verifies a device block: key shape, id = sha256(raw key), nonce = the
 * challenge, signedAt within ±10 minutes, and an Ed25519 signature over the v3
 * payload or, for older clients, the v2 payload.
 */
export function verifyDevice(
  device: DeviceBlock,
  fields: Omit<DeviceSignedFields, 'deviceId' | 'signedAt' | 'nonce' | 'token'>,
  /** The tokens the client may have signed: `auth.token` (or empty), then the `?token=` query value. */
  tokens: string[],
  challengeNonce: string,
  now = Date.now(),
): DeviceVerdict {
  const raw = fromBase64Url(device.publicKey);
  if (!raw || raw.length !== 32) return { ok: false, reason: 'publicKey must be a base64url raw 32-byte Ed25519 key' };
  if (deviceIdOf(raw) !== device.id.toLowerCase()) return { ok: false, reason: 'device id does not match the public key' };
  if (device.nonce !== challengeNonce) return { ok: false, reason: 'nonce does not match the connect challenge' };
  if (Math.abs(now - device.signedAt) > DEVICE_SIGNATURE_SKEW_MS) return { ok: false, reason: 'signedAt is more than 10 minutes off' };
  const signature = fromBase64Url(device.signature);
  if (!signature || signature.length !== 64) return { ok: false, reason: 'signature must be a base64url 64-byte Ed25519 signature' };
  let key;
  try {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return { ok: false, reason: 'publicKey is not a valid Ed25519 key' };
  }
  for (const token of [...new Set(tokens)]) {
    const signed: DeviceSignedFields = { ...fields, token, deviceId: device.id, signedAt: device.signedAt, nonce: device.nonce };
    for (const payload of [devicePayloadV3(signed), devicePayloadV2(signed)]) {
      try {
        if (verify(null, Buffer.from(payload, 'utf8'), key, signature)) return { ok: true };
      } catch {
        return { ok: false, reason: 'signature verification failed' };
      }
    }
  }
  return { ok: false, reason: 'signature does not match the v3 or v2 payload' };
}
