import type { IncomingHttpHeaders } from 'node:http';

/** Never stored with a delivery: credentials, cookies and signatures. */
const DROPPED = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-agent-token',
  'x-auth-token',
  'x-csrf-token',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-webhook-signature',
]);

/** The request headers worth keeping with a delivery (lower-case names, arrays joined). */
export function storedHeaders(headers: IncomingHttpHeaders, signatureHeaders: string[]): Record<string, string> {
  const dropped = new Set([...DROPPED, ...signatureHeaders]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || dropped.has(name) || name.includes('signature')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
