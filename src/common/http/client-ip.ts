import { isIP } from 'node:net';
import type { Request } from 'express';

const proxyaddr = require('proxy-addr') as {
  (req: Request, trust: (addr: string, i: number) => boolean): string;
  compile(list: string[]): (addr: string, i: number) => boolean;
};

export type TrustFn = (addr: string, hop: number) => boolean;

export function compileTrust(trustedProxies: string[]): TrustFn {
  return trustedProxies.length ? proxyaddr.compile(trustedProxies) : () => false;
}

/** `for=` of the last hop of an RFC 7239 Forwarded header, stripped of port and brackets. */
function forwardedFor(header: string): string | undefined {
  const hops = header.split(',');
  const last = hops[hops.length - 1];
  const match = /for=("?)\[?([^\]";,]+)\]?(:\d+)?\1/i.exec(last);
  if (!match) return undefined;
  const addr = match[2].replace(/:\d+$/, '');
  return isIP(addr) ? addr : undefined;
}

/**
 * The client's address. X-Forwarded-For and Forwarded are believed only when
 * the direct peer is a trusted proxy; otherwise the socket address is the client.
 */
export function resolveClientIp(req: Request, trust: TrustFn): string {
  const peer = req.socket?.remoteAddress ?? 'unknown';
  if (!trust(peer, 0)) return normalize(peer);
  if (req.headers['x-forwarded-for']) return normalize(proxyaddr(req, trust));
  const forwarded = req.headers['forwarded'];
  if (typeof forwarded === 'string') return normalize(forwardedFor(forwarded) ?? peer);
  return normalize(peer);
}

function normalize(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
