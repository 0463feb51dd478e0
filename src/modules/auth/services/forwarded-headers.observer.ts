import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { compileTrust, TrustFn } from '../../../common/http/client-ip';
import { ServerConfig } from '../../../config/server.config';

export interface UntrustedForwarding {
  count: number;
  lastPeer: string;
  lastSeenAt: string;
}

/**
 * Notices X-Forwarded-For / Forwarded / X-Forwarded-Proto headers sent by a
 * peer that is not in TRUSTED_PROXIES: they are ignored (the socket address
 * is the client), which behind a real proxy means every client shares the
 * proxy's rate-limit bucket. The self-check reports it.
 */
@Injectable()
export class ForwardedHeadersObserver {
  private readonly trust: TrustFn;
  private untrusted?: UntrustedForwarding;

  constructor(server: ServerConfig) {
    this.trust = compileTrust(server.trustedProxies);
  }

  observe(req: Request): void {
    const h = req.headers;
    if (!h['x-forwarded-for'] && !h['forwarded'] && !h['x-forwarded-proto']) return;
    const peer = req.socket?.remoteAddress ?? 'unknown';
    if (this.trust(peer, 0)) return;
    this.untrusted = {
      count: (this.untrusted?.count ?? 0) + 1,
      lastPeer: peer.startsWith('::ffff:') ? peer.slice(7) : peer,
      lastSeenAt: new Date().toISOString(),
    };
  }

  /** True when the request reached us over HTTPS (directly, or via a trusted proxy's X-Forwarded-Proto). */
  arrivedOverHttps(req: Request): boolean {
    if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
    const proto = req.headers['x-forwarded-proto'];
    if (typeof proto !== 'string') return false;
    return (
      this.trust(req.socket?.remoteAddress ?? 'unknown', 0) &&
      proto.split(',')[0].trim().toLowerCase() === 'https'
    );
  }

  untrustedForwarding(): UntrustedForwarding | undefined {
    return this.untrusted;
  }
}
