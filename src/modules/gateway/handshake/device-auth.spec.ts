import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { devicePayloadV2, devicePayloadV3, verifyDevice } from './device-auth';
import { TokenBucket } from '../connection/token-bucket';
import { grantScopes } from './handshake.service';
import { expandScopes } from '../../../common/context/principal';

function device() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { raw, id: createHash('sha256').update(raw).digest('hex'), pk: raw.toString('base64url'), privateKey };
}

describe('device signatures', () => {
  const fields = { clientId: 'gateway-client', clientMode: 'backend', role: 'operator', scopes: ['operator.read', 'operator.write'], platform: 'Python', deviceFamily: 'Server' };
  const nonce = '3f1e0c8a-1111-4222-8333-444455556666';

  it('accepts v3 and v2 payloads over exactly the specified fields', () => {
    const d = device();
    const signedAt = Date.now();
    const base = { ...fields, deviceId: d.id, signedAt, token: 'tok', nonce };
    expect(devicePayloadV3(base)).toBe(`v3|${d.id}|gateway-client|backend|operator|operator.read,operator.write|${signedAt}|tok|${nonce}|python|server`);
    expect(devicePayloadV2(base)).toBe(`v2|${d.id}|gateway-client|backend|operator|operator.read,operator.write|${signedAt}|tok|${nonce}`);
    for (const payload of [devicePayloadV3(base), devicePayloadV2(base)]) {
      const signature = sign(null, Buffer.from(payload), d.privateKey).toString('base64url');
      expect(verifyDevice({ id: d.id, publicKey: d.pk, signature, signedAt, nonce }, fields, ['tok'], nonce)).toEqual({ ok: true });
    }
  });

  it('rejects another token, another nonce, a stale time, a foreign key', () => {
    const d = device();
    const signedAt = Date.now();
    const signature = sign(null, Buffer.from(devicePayloadV2({ ...fields, deviceId: d.id, signedAt, token: 'tok', nonce })), d.privateKey).toString('base64url');
    const block = { id: d.id, publicKey: d.pk, signature, signedAt, nonce };
    expect(verifyDevice(block, fields, ['other'], nonce).ok).toBe(false);
    expect(verifyDevice(block, fields, ['tok'], 'another-nonce').ok).toBe(false);
    expect(verifyDevice(block, fields, ['tok'], nonce, signedAt + 11 * 60_000).ok).toBe(false);
    expect(verifyDevice({ ...block, publicKey: device().pk }, fields, ['tok'], nonce).ok).toBe(false);
    expect(verifyDevice({ ...block, signature: 'x' }, fields, ['tok'], nonce).ok).toBe(false);
  });
});

describe('grantScopes', () => {
  it('is requested ∩ held, or everything held when nothing is requested', () => {
    const writer = expandScopes(['operator.write']);
    expect(grantScopes(['operator.read', 'operator.write', 'operator.admin', 'operator.approvals'], writer)).toEqual(['operator.read', 'operator.write']);
    expect(grantScopes([], expandScopes(['operator.admin']))).toEqual(['operator.read', 'operator.write', 'operator.approvals', 'operator.admin']);
    expect(grantScopes(['root'], writer)).toEqual([]);
  });
});

describe('TokenBucket', () => {
  it('allows the capacity, then tells how long to wait, refilling evenly', () => {
    const b = new TokenBucket(3, 3000, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(1000);
    expect(b.take(1000)).toBe(0);
  });
});
