import { isIP } from 'node:net';
import type { UrlValidationSettings } from '../../config/tools-config';
import { blockedRange } from './address-policy';
import { matchesAny, normalizeHost } from './host-lists';

/** Host lists synced from feeds (merged into the static lists), or why requests must be refused (a fail_open: false feed is down). */
export interface FeedHosts {
  allow: Iterable<string>;
  deny: Iterable<string>;
  unavailable?: string;
}

export type PolicyVerdict = { ok: true; host: string } | { ok: false; reason: string };

/**
 * URL policy before any network access (runbook "Web Fetch Validation"):
 * scheme in allowed_schemes; denylist (static + feeds) wins over the
 * allowlist; a non-empty allowlist must match. IP literals in private ranges
 * are refused here; names are checked again after DNS (see checkAddresses).
 */
export function checkUrl(url: URL, settings: UrlValidationSettings, feeds: FeedHosts): PolicyVerdict {
  const scheme = url.protocol.replace(/:$/, '');
  if (!['http', 'https'].includes(scheme))
    return { ok: false, reason: `scheme '${scheme}' is not fetched (only http and https)` };
  const host = normalizeHost(url.hostname);
  if (!host) return { ok: false, reason: 'the URL has no host' };
  if (settings.enabled) {
    if (!(settings.allowed_schemes as string[]).includes(scheme))
      return {
        ok: false,
        reason: `scheme '${scheme}' is not in allowed_schemes (${settings.allowed_schemes.join(', ')})`,
      };
    if (feeds.unavailable) return { ok: false, reason: feeds.unavailable };
    const denied = matchesAny(host, settings.denylist_hosts) ?? matchesAny(host, feeds.deny);
    if (denied) return { ok: false, reason: `host '${host}' is denylisted (${denied})` };
    const allow = [...settings.allowlist_hosts, ...feeds.allow];
    if (allow.length && !matchesAny(host, allow))
      return { ok: false, reason: `host '${host}' is not in the allowlist` };
  }
  if (isIP(host)) {
    const range = blockedRange(host);
    if (range && !privateAllowed(host, settings))
      return { ok: false, reason: `address ${host} is not public (${range})` };
  }
  return { ok: true, host };
}

/** After DNS: every address must be public (unless the host is in the test-only allow_private_hosts), and none denylisted. */
export function checkAddresses(
  host: string,
  addresses: string[],
  settings: UrlValidationSettings,
  feeds: FeedHosts,
): PolicyVerdict {
  if (!addresses.length) return { ok: false, reason: `host '${host}' did not resolve` };
  for (const address of addresses) {
    if (settings.enabled) {
      const denied =
        matchesAny(
          address,
          settings.denylist_hosts.filter((h) => isIP(h)),
        ) ??
        matchesAny(
          address,
          [...feeds.deny].filter((h) => isIP(h)),
        );
      if (denied) return { ok: false, reason: `host '${host}' resolves to denylisted address ${address}` };
    }
    const range = blockedRange(address);
    if (range && !privateAllowed(host, settings))
      return { ok: false, reason: `host '${host}' resolves to ${address}, which is not public (${range})` };
  }
  return { ok: true, host };
}

function privateAllowed(host: string, settings: UrlValidationSettings): boolean {
  return settings.allow_private_hosts.some((h) => normalizeHost(h) === normalizeHost(host));
}
