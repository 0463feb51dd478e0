import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import type { UrlValidationSettings, WebFetchSettings } from '../../config/tools-config';
import { checkAddresses, checkUrl, FeedHosts } from './url-policy';

export class FetchBlockedError extends Error {}
export class FetchFailedError extends Error {}

export interface FetchedPage {
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
  truncated: boolean;
  redirects: string[];
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface SafeFetchOptions {
  policy: UrlValidationSettings;
  limits: WebFetchSettings;
  feeds: () => FeedHosts;
  signal: AbortSignal;
  maxBytes?: number;
  resolve?: Resolver;
}

/** A lookup that answers with the address we already checked, so the connection cannot be steered elsewhere (DNS rebinding). */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

/**
 * GET with the URL policy enforced at every hop: the policy, then DNS, then
 * every resolved address checked, then a connection pinned to the checked
 * address; redirects are followed by hand (max_redirects), each re-checked.
 * The body is read up to the byte limit (then cut, `truncated`).
 */
export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<FetchedPage> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new FetchBlockedError(`'${rawUrl.slice(0, 200)}' is not an absolute URL`);
  }
  const redirects: string[] = [];
  const resolve = opts.resolve ?? systemResolver;
  for (let hop = 0; ; hop++) {
    const verdict = checkUrl(url, opts.policy, opts.feeds());
    if (!verdict.ok)
      throw new FetchBlockedError(
        hop ? `redirect to ${url.href} refused: ${verdict.reason}` : verdict.reason,
      );
    const host = verdict.host;
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = await resolve(host);
      } catch (err) {
        throw new FetchFailedError(
          `cannot resolve '${host}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    }
    const checked = checkAddresses(host, addresses, opts.policy, opts.feeds());
    if (!checked.ok)
      throw new FetchBlockedError(
        hop ? `redirect to ${url.href} refused: ${checked.reason}` : checked.reason,
      );
    const response = await request(url, addresses[0], opts);
    if (response.location !== undefined) {
      if (hop >= opts.limits.max_redirects)
        throw new FetchFailedError(`more than ${opts.limits.max_redirects} redirects (last: ${url.href})`);
      let next: URL;
      try {
        next = new URL(response.location, url);
      } catch {
        throw new FetchFailedError(`redirect to an invalid URL '${response.location.slice(0, 200)}'`);
      }
      redirects.push(next.href);
      url = next;
      continue;
    }
    return { ...response.page!, url: url.href, redirects };
  }
}

interface HopResult {
  location?: string;
  page?: Omit<FetchedPage, 'url' | 'redirects'>;
}

function request(url: URL, address: string, opts: SafeFetchOptions): Promise<HopResult> {
  const maxBytes = Math.min(opts.maxBytes ?? opts.limits.max_response_bytes, opts.limits.max_response_bytes);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<HopResult>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'GET',
        agent: false,
        lookup: pinnedLookup(address),
        signal: opts.signal,
        headers: {
          'user-agent': opts.limits.user_agent,
          accept: 'text/html,text/plain,application/json,application/xml;q=0.9,*/*;q=0.5',
          'accept-encoding': 'identity',
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          resolve({ location: String(res.headers.location) });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () =>
          resolve({
            page: {
              status,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks),
              truncated,
            },
          });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = maxBytes;
            truncated = true;
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          if (!truncated) finish();
        });
        res.on('error', (err) => {
          if (!truncated) reject(new FetchFailedError(`reading the response failed: ${err.message}`));
        });
      },
    );
    req.on('error', (err) => {
      if (opts.signal.aborted)
        reject(new FetchFailedError(opts.signal.reason === 'timeout' ? 'timed out' : 'cancelled'));
      else reject(new FetchFailedError(`${url.host}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    req.end();
  });
}
