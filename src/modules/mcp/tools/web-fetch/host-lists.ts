import { isIP } from 'node:net';

/** A host name as compared: lower case, no trailing dot, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/**
 * True when `host` is `entry` or a subdomain of it (`example.com` covers
 * `api.example.com`); `*.example.com` covers subdomains only; IP entries match exactly.
 */
export function hostMatches(host: string, entry: string): boolean {
  const h = normalizeHost(host);
  const e = normalizeHost(entry);
  if (!e) return false;
  if (isIP(e)) return h === e;
  if (e.startsWith('*.')) return h.endsWith(e.slice(1));
  return h === e || h.endsWith(`.${e}`);
}

export function matchesAny(host: string, entries: Iterable<string>): string | undefined {
  for (const e of entries) if (hostMatches(host, e)) return e;
  return undefined;
}

const HOST_LIKE = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** An entry worth keeping from a feed: a host name, a `*.` wildcard, or an IP address. */
export function feedEntry(raw: string): string | undefined {
  const v = normalizeHost(raw.replace(/^["']|["']$/g, ''));
  if (!v || v.length > 253) return undefined;
  if (isIP(v) || HOST_LIKE.test(v)) return v;
  return undefined;
}

/** `lines`: one host per line, `#` comments, hosts-file lines (`0.0.0.0 ads.example.com`) read as their hosts. */
export function parseLinesFeed(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const tokens = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    // `host`, or a hosts-file line `<ip> host [host…]`; anything else is not an entry.
    const raws = tokens.length === 1 ? tokens : isIP(tokens[0]) ? tokens.slice(1) : [];
    for (const raw of raws) {
      const entry = feedEntry(raw);
      if (entry) out.push(entry);
    }
  }
  return out;
}

/** `csv_first_column`: the first field of each row (a header row that is not a host is skipped). */
export function parseCsvFirstColumn(text: string): string[] {
  const out: string[] = [];
  let first = true;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const entry = feedEntry(line.split(',')[0]);
    const header = first && (!entry || (!entry.includes('.') && !isIP(entry)));
    first = false;
    if (entry && !header) out.push(entry);
  }
  return out;
}
