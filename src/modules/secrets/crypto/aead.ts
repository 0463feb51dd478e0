import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with associated data, serialized as `v1.<iv>.<ciphertext>.<tag>`
 * (base64url parts). The associated data binds a ciphertext to where it belongs
 * (organization, secret name, data key id), so a ciphertext copied into another
 * row fails authentication instead of decrypting.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Authentication failed: the ciphertext, its associated data or the key is not the one it was sealed with. */
export class AeadAuthenticationError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'AeadAuthenticationError';
  }
}

export function aeadEncrypt(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
}

export function aeadDecrypt(key: Buffer, sealed: string, aad: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new AeadAuthenticationError('malformed ciphertext envelope');
  const [, ivPart, ctPart, tagPart] = parts;
  const iv = Buffer.from(ivPart, 'base64url');
  const tag = Buffer.from(tagPart, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new AeadAuthenticationError('malformed ciphertext envelope');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctPart, 'base64url')), decipher.final()]);
  } catch {
    throw new AeadAuthenticationError('authentication tag mismatch');
  }
}

/** Associated data of each kind of ciphertext: what the ciphertext is bound to. */
export const Aad = {
  dataKey: (organizationId: string, dataKeyId: string) => `clawcontrol/data-key/v1/${organizationId}/${dataKeyId}`,
  secret: (organizationId: string, name: string) => `clawcontrol/secret/v1/${organizationId}/${name}`,
  sealed: (organizationId: string, dataKeyId: string) => `clawcontrol/sealed/v1/${organizationId}/${dataKeyId}`,
};
