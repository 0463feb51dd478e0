import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Principal } from '../../../common/context/principal';
import { safeEqual } from '../../../common/crypto';
import { AppException } from '../../../common/errors/app-exception';
import { AuthConfig } from '../auth.config';
import { CredentialsService } from './credentials.service';
import {
  AGENT_TOKEN_HEADER,
  CSRF_COOKIE_NAME,
  CSRF_HEADER,
  csrfTokenFor,
  parseCookies,
  SESSION_COOKIE_NAME,
} from './signing';

/** The API key header of OCMT's runbooks (`curl -H "X-Auth-Token: $ADMIN_TOKEN" …`). */
export const AUTH_TOKEN_HEADER = 'x-auth-token';

/**
 * Reads credentials off an HTTP request, in this order: `Authorization: Bearer`
 * (API key), `X-Auth-Token` (API key), `X-Agent-Token` (agent process),
 * `mc_session` cookie (browser).
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly config: AuthConfig,
  ) {}

  /** The principal of the request; undefined when it carries no credentials; throws when they are bad. */
  async authenticate(req: Request): Promise<Principal | undefined> {
    const authorization = req.headers.authorization;
    if (typeof authorization === 'string' && authorization.length > 0) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match)
        throw this.credentials.fail(
          'malformed_authorization',
          new AppException(401, 'UNAUTHORIZED', 'Authorization must be "Bearer <api key>"'),
        );
      return this.credentials.authenticateApiKey(match[1]);
    }
    const authToken = req.headers[AUTH_TOKEN_HEADER];
    if (typeof authToken === 'string' && authToken.trim().length > 0) {
      return this.credentials.authenticateApiKey(authToken.trim());
    }
    const agentToken = req.headers[AGENT_TOKEN_HEADER];
    if (typeof agentToken === 'string' && agentToken.length > 0) {
      return this.credentials.authenticateAgentToken(
        agentToken.trim(),
        req.clientIp ?? req.socket?.remoteAddress ?? 'unknown',
      );
    }
    const session = parseCookies(req.headers.cookie)[SESSION_COOKIE_NAME];
    if (session) return this.credentials.authenticateBrowserSession(session);
    return undefined;
  }

  /** Double-submit check bound to the session: header and cookie both equal the session's CSRF token. */
  csrfValid(req: Request, principal: Principal): boolean {
    if (!principal.viaCookie || !principal.credentialId) return true;
    const expected = csrfTokenFor(this.config.signingSecret, principal.credentialId);
    const header = req.headers[CSRF_HEADER];
    const cookie = parseCookies(req.headers.cookie)[CSRF_COOKIE_NAME];
    const headerOk = safeEqual(typeof header === 'string' ? header : '', expected);
    const cookieOk = safeEqual(cookie ?? '', expected);
    return headerOk && cookieOk;
  }

  fail(reason: string, error: AppException): AppException {
    return this.credentials.fail(reason, error);
  }
}
