import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequestContext } from '../../../common/context/request-context';
import { randomToken } from '../../../common/crypto';
import { EventBus } from '../../../common/events/event-bus';
import { ServerConfig } from '../../../config/server.config';
import { AuthConfig } from '../auth.config';
import { User } from '../entities/user.entity';
import { BrowserSessionsRepository } from '../repositories/browser-sessions.repository';
import { ForwardedHeadersObserver } from './forwarded-headers.observer';
import { CSRF_COOKIE_NAME, csrfTokenFor, SESSION_COOKIE_NAME, signedHash } from './signing';

export interface IssuedSession {
  id: string;
  cookieValue: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Browser sessions: server-side rows (revocable), `mc_session` + `mc_csrf` cookies. */
@Injectable()
export class BrowserSessionsService {
  constructor(
    private readonly repo: BrowserSessionsRepository,
    private readonly config: AuthConfig,
    private readonly server: ServerConfig,
    private readonly forwarded: ForwardedHeadersObserver,
    private readonly bus: EventBus,
  ) {}

  async issue(user: User, req: Request): Promise<IssuedSession> {
    const secret = randomToken(32);
    const expiresAt = new Date(Date.now() + this.config.sessionTtlHours * 3_600_000);
    const userAgent =
      typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null;
    const row = await this.repo.insert({
      organizationId: user.organizationId,
      userId: user.id,
      secretHash: signedHash(this.config.signingSecret, 'session', secret),
      expiresAt,
      ip: RequestContext.current()?.ip ?? null,
      userAgent,
    });
    return {
      id: row.id,
      cookieValue: `${row.id}.${secret}`,
      csrfToken: csrfTokenFor(this.config.signingSecret, row.id),
      expiresAt,
    };
  }

  /** Cleanup job: deletes sessions (all organizations) that expired or were revoked before `before`; returns how many. */
  purgeDeadBefore(before: Date): Promise<number> {
    return this.repo.deleteDeadBefore(before);
  }

  /** Ends one session (logout); sockets opened with it close. */
  async end(sessionId: string, organizationId: string): Promise<void> {
    if (await this.repo.revoke(sessionId)) {
      this.bus.publish('credentials.revoked', {
        organizationId,
        credentialIds: [sessionId],
        reason: 'logout',
      });
    }
  }

  setCookies(req: Request, res: Response, session: IssuedSession): void {
    const secure = this.secureCookies(req);
    const maxAge = session.expiresAt.getTime() - Date.now();
    res.cookie(SESSION_COOKIE_NAME, session.cookieValue, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge,
    });
    // Readable by the page's script, which echoes it in x-csrf-token.
    res.cookie(CSRF_COOKIE_NAME, session.csrfToken, {
      httpOnly: false,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge,
    });
  }

  clearCookies(req: Request, res: Response): void {
    const secure = this.secureCookies(req);
    res.clearCookie(SESSION_COOKIE_NAME, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    res.clearCookie(CSRF_COOKIE_NAME, { httpOnly: false, sameSite: 'strict', secure, path: '/' });
  }

  /** COOKIE_SECURE=true|false, or auto: Secure when the request came over HTTPS or PUBLIC_BASE_URL is https. */
  secureCookies(req: Request): boolean {
    if (this.config.cookieSecure === 'true') return true;
    if (this.config.cookieSecure === 'false') return false;
    return this.forwarded.arrivedOverHttps(req) || /^https:/i.test(this.server.publicBaseUrl ?? '');
  }
}
