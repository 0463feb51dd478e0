import { Injectable } from '@nestjs/common';
import { expandScopes, Principal } from '../../../common/context/principal';
import { safeEqual, sha256Hex } from '../../../common/crypto';
import { AppException, Errors } from '../../../common/errors/app-exception';
import { MetricsRegistry } from '../../../common/metrics/metrics-registry';
import { RateLimiterService } from '../../../common/rate-limit/rate-limiter.service';
import { AuthConfig } from '../auth.config';
import { AuthErrors } from '../auth.errors';
import { Organization } from '../entities/organization.entity';
import { User } from '../entities/user.entity';
import { AgentTokensRepository } from '../repositories/agent-tokens.repository';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import { BrowserSessionsRepository } from '../repositories/browser-sessions.repository';
import { OrganizationsRepository } from '../repositories/organizations.repository';
import { scopesOfRole } from '../roles';
import { parseAgentToken, parseSessionCookie, signedHash } from './signing';

const KEY_FORMAT = /^cc_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$/;
const TOUCH_INTERVAL_MS = 60_000;

/** The public id of an API key: parsed from `cc_<id>_<secret>`, or derived from any other token (ADMIN_API_KEY). */
export function apiKeyIdOf(token: string): string {
  const match = KEY_FORMAT.exec(token);
  return match ? match[1] : `x${sha256Hex(token).slice(0, 16)}`;
}

export function apiKeySecretHash(token: string): string {
  return sha256Hex(token);
}

/** The principal of a user signed in through a browser session. */
export function userPrincipal(user: User, org: Organization, sessionId: string, expiresAt: Date): Principal {
  const scopes = scopesOfRole(user.role);
  return {
    kind: 'user',
    id: user.id,
    organizationId: user.organizationId,
    scopes,
    actor: `user:${user.email}`,
    userId: user.id,
    platformAdmin: org.platform && scopes.has('operator.admin'),
    viaCookie: true,
    credentialId: sessionId,
    expiresAt,
  };
}

/**
 * Turns credentials into a Principal. Shared by the HTTP guard, the WebSocket
 * bridge and the CLI, so every transport authenticates the same way.
 */
@Injectable()
export class CredentialsService {
  private readonly lastTouch = new Map<string, number>();
  readonly authFailures;

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: BrowserSessionsRepository,
    private readonly agentTokens: AgentTokensRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly limiter: RateLimiterService,
    private readonly config: AuthConfig,
    metrics: MetricsRegistry,
  ) {
    this.authFailures = metrics.counter({
      name: 'auth_failures_total',
      help: 'Failed authentications and authorizations, by reason',
      labelNames: ['reason'],
    });
  }

  /** Authenticates an API key (`Authorization: Bearer`). Throws 401/403/423 problems. */
  async authenticateApiKey(token: string): Promise<Principal> {
    const found = await this.apiKeys.findByKeyIdForAuthentication(apiKeyIdOf(token));
    // Hash even when nothing was found, so timing does not tell whether the id exists.
    const presented = apiKeySecretHash(token);
    if (!found || !safeEqual(presented, found.key.secretHash))
      throw this.fail('invalid_api_key', AuthErrors.invalidCredentials());
    const { key, org } = found;
    if (key.revokedAt) throw this.fail('revoked_api_key', AuthErrors.invalidCredentials());
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now())
      throw this.fail('expired_api_key', AuthErrors.invalidCredentials());
    this.assertOrganizationUsable(org);
    this.touchLater(key.id, () => this.apiKeys.touch(key.id));
    const scopes = expandScopes(key.scopes);
    return {
      kind: 'api_key',
      id: key.id,
      organizationId: key.organizationId,
      scopes,
      actor: `api_key:cc_${key.keyId}`,
      userId: key.userId ?? undefined,
      platformAdmin: org.platform && scopes.has('operator.admin'),
      credentialId: key.id,
      expiresAt: key.expiresAt ?? undefined,
    };
  }

  /** Authenticates the `mc_session` cookie value. CSRF is checked by the caller on mutating requests. */
  async authenticateBrowserSession(cookieValue: string): Promise<Principal> {
    const parsed = parseSessionCookie(cookieValue);
    const found = parsed ? await this.sessions.findForAuthentication(parsed.id) : null;
    const presented = signedHash(this.config.signingSecret, 'session', parsed?.secret ?? cookieValue);
    if (!found || !safeEqual(presented, found.session.secretHash))
      throw this.fail('invalid_session', AuthErrors.invalidCredentials());
    const { session, user, org } = found;
    if (session.revokedAt) throw this.fail('revoked_session', AuthErrors.invalidCredentials());
    if (session.expiresAt.getTime() <= Date.now())
      throw this.fail('expired_session', AuthErrors.invalidCredentials());
    if (user.disabled) throw this.fail('disabled_user', AuthErrors.invalidCredentials());
    this.assertOrganizationUsable(org);
    this.touchLater(session.id, () => this.sessions.touch(session.id));
    return userPrincipal(user, org, session.id, session.expiresAt);
  }

  /**
   * Authenticates an agent process (`X-Agent-Token`). Every attempt counts
   * against the per-IP agent_auth window (RATE_LIMIT_AGENT_AUTH, 20/60 s).
   */
  async authenticateAgentToken(token: string, clientIp: string): Promise<Principal> {
    const decision = await this.limiter.consume('agent_auth', clientIp);
    if (!decision.allowed) {
      throw this.fail(
        'agent_auth_rate_limited',
        Errors.tooManyRequests(
          decision.retryAfterSecs,
          'too many agent authentication attempts from this address',
        ),
      );
    }
    const parsed = parseAgentToken(token);
    const found = parsed ? await this.agentTokens.findByTokenIdForAuthentication(parsed.tokenId) : null;
    const presented = signedHash(this.config.signingSecret, 'agent', token);
    if (!found || !safeEqual(presented, found.token.secretHash))
      throw this.fail('invalid_agent_token', AuthErrors.invalidCredentials());
    const { token: row, org } = found;
    if (row.revokedAt) throw this.fail('revoked_agent_token', AuthErrors.invalidCredentials());
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now())
      throw this.fail('expired_agent_token', AuthErrors.invalidCredentials());
    this.assertOrganizationUsable(org);
    this.touchLater(row.id, () => this.agentTokens.touch(row.id));
    return {
      kind: 'agent',
      id: row.agentId,
      organizationId: row.organizationId,
      scopes: new Set(),
      actor: `agent:${row.agentId}`,
      userId: row.userId ?? undefined,
      credentialId: row.id,
      expiresAt: row.expiresAt ?? undefined,
    };
  }

  assertOrganizationUsable(org: Pick<Organization, 'disabled' | 'lockedAt'>): void {
    if (org.disabled) throw this.fail('org_disabled', AuthErrors.orgDisabled());
    if (org.lockedAt) throw this.fail('org_locked', AuthErrors.orgLocked());
  }

  /**
   * For modules that act for an organization without a credential (webhook
   * ingest authenticated by HMAC): 423 ORG_LOCKED / 403 ORG_DISABLED when the
   * organization may not be used, 404 when it does not exist.
   */
  async assertOrganizationActive(organizationId: string): Promise<void> {
    const org = await this.orgs.findById(organizationId);
    if (!org) throw Errors.notFound('organization', organizationId);
    this.assertOrganizationUsable(org);
  }

  fail(reason: string, error: AppException): AppException {
    this.authFailures.inc({ reason });
    return error;
  }

  private touchLater(id: string, touch: () => Promise<unknown>): void {
    const now = Date.now();
    if (now - (this.lastTouch.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouch.set(id, now);
    if (this.lastTouch.size > 10_000) this.lastTouch.clear();
    touch().catch(() => {});
  }
}
