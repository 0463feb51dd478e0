import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry `sha256=<hex>` for every webhook (GitHub's and the generic one). */
export const STANDARD_SIGNATURE_HEADERS = ['x-hub-signature-256', 'x-webhook-signature'] as const;

export type SignatureCheck = 'valid' | 'missing' | 'invalid';

/** The signature headers of a webhook, lower-case: its custom one first, then the standard ones. */
export function signatureHeadersOf(customHeader: string | null | undefined): string[] {
  const custom = customHeader?.toLowerCase();
  return custom && !(STANDARD_SIGNATURE_HEADERS as readonly string[]).includes(custom)
    ? [custom, ...STANDARD_SIGNATURE_HEADERS]
    : [...STANDARD_SIGNATURE_HEADERS];
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * HMAC-SHA256 of the raw bytes under `secret`, compared in constant time with
 * the first signature header present (`sha256=<hex>`, the prefix case-insensitive).
 */
export function verifySignature(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secret: string,
  signatureHeaders: string[],
): SignatureCheck {
  const present = signatureHeaders.map((h) => headerValue(headers, h)).find((v) => v !== undefined && v.trim() !== '');
  if (present === undefined) return 'missing';
  const match = /^sha256=([0-9a-f]{64})$/i.exec(present.trim());
  const expected = createHmac('sha256', secret).update(body).digest();
  // Compare something of the right length even for malformed values: no early exit on content.
  const given = match ? Buffer.from(match[1], 'hex') : Buffer.alloc(expected.length);
  const equal = timingSafeEqual(given, expected);
  return match && equal ? 'valid' : 'invalid';
}

/** `sha256=<hex>` for `body` under `secret` (what senders put in the header). */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
