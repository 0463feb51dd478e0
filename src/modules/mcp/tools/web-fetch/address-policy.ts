import { isIP } from 'node:net';

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose, plus cloud metadata at 169.254.169.254). */
const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba metadata 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
];

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function v4Blocked(ip: string): string | undefined {
  const n = v4ToInt(ip);
  for (const [base, bits] of V4_BLOCKED) {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    if (n >= start && n < start + size) return `${base}/${bits}`;
  }
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (with :: and a trailing dotted quad expanded). */
export function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase().split('%')[0];
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const n = v4ToInt(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const zeros = tail !== undefined ? new Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...zeros, ...t].map((g) => parseInt(g || '0', 16));
}

function embeddedV4(groups: number[], from: number): string {
  const hi = groups[from];
  const lo = groups[from + 1];
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function v6Blocked(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  const allZeroUntil = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (allZeroUntil(8)) return '::/128 (unspecified)';
  if (allZeroUntil(7) && g[7] === 1) return '::1/128 (loopback)';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the IPv4 inside.
  if (allZeroUntil(5) && (g[5] === 0xffff || g[5] === 0)) {
    const inner = v4Blocked(embeddedV4(g, 6));
    return inner
      ? `IPv4 ${inner} inside IPv6`
      : g[5] === 0
        ? '::/96 (IPv4-compatible, deprecated)'
        : undefined;
  }
  if (g[0] === 0x64 && g[1] === 0xff9b) return '64:ff9b::/96 (NAT64)';
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return '100::/64 (discard)';
  if (g[0] === 0x2001 && g[1] === 0) return '2001::/32 (Teredo)';
  if (g[0] === 0x2001 && g[1] === 0xdb8) return '2001:db8::/32 (documentation)';
  if (g[0] === 0x2002) return '2002::/16 (6to4)';
  if ((g[0] & 0xfe00) === 0xfc00) return 'fc00::/7 (unique local)';
  if ((g[0] & 0xffc0) === 0xfe80) return 'fe80::/10 (link-local)';
  if ((g[0] & 0xffc0) === 0xfec0) return 'fec0::/10 (site-local)';
  if ((g[0] & 0xff00) === 0xff00) return 'ff00::/8 (multicast)';
  return undefined;
}

/** The non-public range an address falls in (loopback, private, link-local/metadata, …), or undefined for a public address. */
export function blockedRange(address: string): string | undefined {
  const kind = isIP(address);
  if (kind === 4) return v4Blocked(address);
  if (kind === 6) return v6Blocked(address);
  return 'not an IP address';
}
