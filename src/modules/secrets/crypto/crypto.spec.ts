import { randomBytes } from 'node:crypto';
import { Aad, aeadDecrypt, AeadAuthenticationError, aeadEncrypt } from './aead';
import { masterKey, masterKeyId, parseMasterKey } from './master-key';

describe('vault crypto', () => {
  const key = randomBytes(32);

  it('round-trips with the same key and associated data, with a fresh IV each time', () => {
    const a = aeadEncrypt(key, Buffer.from('hunter2'), Aad.secret('org-1', 'DB_PASSWORD'));
    const b = aeadEncrypt(key, Buffer.from('hunter2'), Aad.secret('org-1', 'DB_PASSWORD'));
    expect(a).not.toBe(b);
    expect(aeadDecrypt(key, a, Aad.secret('org-1', 'DB_PASSWORD')).toString()).toBe('hunter2');
  });

  it('refuses a flipped byte, other associated data (row swap), another key, or a malformed envelope', () => {
    const sealed = aeadEncrypt(key, Buffer.from('hunter2'), Aad.secret('org-1', 'A'));
    const [v, iv, ct, tag] = sealed.split('.');
    const bytes = Buffer.from(ct, 'base64url');
    bytes[0] ^= 0x01;
    const flipped = [v, iv, bytes.toString('base64url'), tag].join('.');
    expect(() => aeadDecrypt(key, flipped, Aad.secret('org-1', 'A'))).toThrow(AeadAuthenticationError);
    expect(() => aeadDecrypt(key, sealed, Aad.secret('org-1', 'B'))).toThrow(AeadAuthenticationError);
    expect(() => aeadDecrypt(key, sealed, Aad.secret('org-2', 'A'))).toThrow(AeadAuthenticationError);
    expect(() => aeadDecrypt(randomBytes(32), sealed, Aad.secret('org-1', 'A'))).toThrow(AeadAuthenticationError);
    for (const bad of ['', 'v1.a.b', 'v2.' + sealed.slice(3), sealed.replace(tag, 'AAAA')]) {
      expect(() => aeadDecrypt(key, bad, Aad.secret('org-1', 'A'))).toThrow(AeadAuthenticationError);
    }
  });

  it('parses master keys as 64 hex characters or base64/base64url of 32 bytes, naming the formats on error without echoing', () => {
    const raw = randomBytes(32);
    expect(parseMasterKey(raw.toString('hex'))).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64'))).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64url'))).toEqual(raw);
    expect(parseMasterKey(` ${raw.toString('hex')}\n`)).toEqual(raw);
    for (const bad of ['short', randomBytes(31).toString('base64'), randomBytes(33).toString('hex'), 'g'.repeat(64)]) {
      expect(() => parseMasterKey(bad)).toThrow(/64 hex characters or base64 of 32 bytes/);
      try {
        parseMasterKey(bad);
      } catch (err) {
        expect((err as Error).message).not.toContain(bad);
      }
    }
  });

  it('fingerprints keys stably without revealing them', () => {
    const hex = randomBytes(32).toString('hex');
    expect(masterKey(hex).id).toBe(masterKeyId(Buffer.from(hex, 'hex')));
    expect(masterKey(hex).id).toMatch(/^mk_[0-9a-f]{16}$/);
    expect(hex).not.toContain(masterKey(hex).id.slice(3));
    expect(masterKey(randomBytes(32).toString('hex')).id).not.toBe(masterKey(hex).id);
  });
});
