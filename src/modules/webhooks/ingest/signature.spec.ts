import { signatureHeadersOf, signBody, verifySignature } from './signature';

const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const GITHUB = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('webhook signatures', () => {
  const headers = signatureHeadersOf(null);

  it("matches GitHub's documented example", () => {
    expect(signBody(SECRET, BODY)).toBe(GITHUB);
    expect(verifySignature({ 'x-hub-signature-256': GITHUB }, BODY, SECRET, headers)).toBe('valid');
    expect(verifySignature({ 'x-webhook-signature': GITHUB.toUpperCase().replace('SHA256', 'sha256') }, BODY, SECRET, headers)).toBe('valid');
  });

  it('tells missing from invalid', () => {
    expect(verifySignature({}, BODY, SECRET, headers)).toBe('missing');
    expect(verifySignature({ 'x-hub-signature-256': '' }, BODY, SECRET, headers)).toBe('missing');
    for (const bad of ['sha256=', 'sha1=abc', GITHUB.slice(7), `${GITHUB}00`, GITHUB.replace(/.$/, '0'), 'garbage']) {
      expect(verifySignature({ 'x-hub-signature-256': bad }, BODY, SECRET, headers)).toBe('invalid');
    }
    expect(verifySignature({ 'x-hub-signature-256': GITHUB }, Buffer.from('Hello, World?'), SECRET, headers)).toBe('invalid');
  });

  it('puts a custom header first and never duplicates the standard ones', () => {
    expect(signatureHeadersOf('X-Acme-Signature')).toEqual(['x-acme-signature', 'x-hub-signature-256', 'x-webhook-signature']);
    expect(signatureHeadersOf('X-Hub-Signature-256')).toEqual(['x-hub-signature-256', 'x-webhook-signature']);
    expect(verifySignature({ 'x-acme-signature': GITHUB }, BODY, SECRET, signatureHeadersOf('X-Acme-Signature'))).toBe('valid');
  });
});
