import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { expandScopes, Principal, Scope, SCOPES } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { AppException } from '../../../common/errors/app-exception';
import { EventBus } from '../../../common/events/event-bus';
import { RateLimitConfig } from '../../../config/rate-limit.config';
import { parseRateWindow } from '../../../config/rate-limit.config';
import { RateLimiterService } from '../../../common/rate-limit/rate-limiter.service';
import { AuditService } from '../../auth/services/audit.service';
import { CredentialsService } from '../../auth/services/credentials.service';
import { parseAgentToken } from '../../auth/services/signing';
import { GatewayConnection } from '../connection/gateway-connection';
import { DevicesRepository } from '../devices.repository';
import { GatewayConfig } from '../gateway.config';
import { GatewayMetrics } from '../gateway.metrics';
import { CloseCodes, HIGHEST_PROTOCOL, LOWEST_PROTOCOL, PROTOCOL_VERSIONS } from '../protocol/frames';
import { GatewayError, GatewayErrors } from '../protocol/gateway-error';
import { AuthCache, Limiter } from './auth-cache';
import { ConnectParams, negotiateProtocol, parseConnectParams, parseProtocolRange } from './connect-params';
import { verifyDevice } from './device-auth';

export interface HandshakeResult {
  protocol: number;
  params: ConnectParams;
  principal: Principal;
  grantedScopes: Scope[];
  deviceId?: string;
}

/** A handshake failure: the error to answer and the close code that follows. */
export class HandshakeFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly closeCode: number,
    readonly closeReason: string,
  ) {
    super(error.message);
  }
}

const MAX_BLOCKED_IPS = 10_000;
const AUTH_LOOKUP_CONCURRENCY = 4;

/**
 * `connect`: version negotiation, token (API key or agent token, from
 * `auth.token` or `?token=`), optional Ed25519 device proof, and the granted
 * scopes. Failed attempts are counted per client IP and eventually refused.
 */
@Injectable()
export class HandshakeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('GatewayHandshake');
  private readonly blockedUntil = new Map<string, number>();
  private readonly failureWindow;
  private readonly authCache = new AuthCache();
  private readonly lookups = new Limiter(AUTH_LOOKUP_CONCURRENCY);
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly credentials: CredentialsService,
    private readonly devices: DevicesRepository,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiterService,
    private readonly rateLimitConfig: RateLimitConfig,
    private readonly metrics: GatewayMetrics,
    private readonly bus: EventBus,
    config: GatewayConfig,
  ) {
    this.failureWindow = parseRateWindow(config.connectFailureLimit);
  }

  onModuleInit(): void {
    this.unsubscribers.push(
      this.bus.subscribe('credentials.revoked', (e) => {
        const ids = new Set(e.credentialIds);
        this.authCache.forget(
          (p) => p.organizationId === e.organizationId && ((!!p.credentialId && ids.has(p.credentialId)) || (!!e.userId && p.userId === e.userId)),
        );
      }),
      this.bus.subscribe('organization.lock_changed', (e) => {
        if (e.locked) this.authCache.forget((p) => p.organizationId === e.organizationId);
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const off of this.unsubscribers.splice(0)) off();
  }

  async connect(conn: GatewayConnection, rawParams: unknown, queryToken: string | undefined): Promise<HandshakeResult> {
    const range = parseProtocolRange(rawParams);
    const protocol = negotiateProtocol(range.minProtocol, range.maxProtocol, PROTOCOL_VERSIONS);
    if (protocol === undefined) {
      this.metrics.rejected('protocol_mismatch');
      throw new HandshakeFailure(GatewayErrors.protocolMismatch(range.minProtocol, range.maxProtocol), 1002, 'protocol mismatch');
    }
    const params = parseConnectParams(rawParams);

    const blocked = this.blockedFor(conn.ip);
    if (blocked > 0) {
      this.metrics.rejected('connect_rate_limited');
      throw new HandshakeFailure(GatewayErrors.connectRateLimited(blocked), 1008, 'too many failed connects');
    }

    const token = params.auth.token ?? queryToken;
    if (!token) {
      await this.recordFailure(conn, 'auth_required');
      throw new HandshakeFailure(GatewayErrors.authRequired(), 1008, 'unauthorized');
    }

    if (params.device) {
      const verdict = verifyDevice(
        params.device,
        {
          clientId: params.client.id,
          clientMode: params.client.mode,
          role: params.role,
          scopes: params.scopes,
          platform: params.client.platform,
          deviceFamily: params.client.deviceFamily,
        },
        [params.auth.token ?? '', ...(queryToken ? [queryToken] : [])],
        conn.nonce,
      );
      if (!verdict.ok) {
        await this.recordFailure(conn, 'device_signature_invalid', { reason: verdict.reason });
        throw new HandshakeFailure(GatewayErrors.deviceSignatureInvalid(verdict.reason), 1008, 'device signature invalid');
      }
    }

    let principal: Principal;
    try {
      principal = await this.authenticate(token, conn.ip);
    } catch (err) {
      if (err instanceof AppException && err.getStatus() === 429) {
        this.metrics.rejected('connect_rate_limited');
        const secs = Number(err.extras.retry_after_secs) || 60;
        throw new HandshakeFailure(GatewayErrors.connectRateLimited(secs * 1000), 1008, 'too many failed connects');
      }
      if (!(err instanceof AppException) || err.getStatus() >= 500) {
        // The credential store did not answer (database down or saturated): not the client's fault.
        this.logger.warn(`connect could not be authenticated: ${(err as Error).message}`);
        this.metrics.rejected('auth_unavailable');
        throw new HandshakeFailure(GatewayErrors.authUnavailable(), CloseCodes.tryAgainLater, 'try again later');
      }
      const code = err.code;
      await this.recordFailure(conn, code === 'UNAUTHORIZED' ? 'token_mismatch' : code.toLowerCase());
      if (code === 'UNAUTHORIZED') throw new HandshakeFailure(GatewayErrors.tokenMismatch(), 1008, 'unauthorized');
      throw new HandshakeFailure(GatewayErrors.organizationUnavailable(code, err.detail), 1008, 'unauthorized');
    }

    const grantedScopes = grantScopes(params.scopes, principal.scopes);
    const effective: Principal = { ...principal, scopes: expandScopes(grantedScopes) };
    let deviceId: string | undefined;
    if (params.device) {
      deviceId = params.device.id.toLowerCase();
      await this.recordDevice(conn, params, effective, deviceId);
    }
    return { protocol, params, principal: effective, grantedScopes, deviceId };
  }

  /**
   * An agent token (`cca_…` format) or else an API key, both through
   * CredentialsService as REST does; recent successes come from the cache,
   * and at most a few lookups run at once so a reconnect storm cannot starve
   * the database pool.
   */
  private async authenticate(token: string, ip: string): Promise<Principal> {
    const cached = this.authCache.get(token);
    if (cached) return cached;
    return this.authCache.coalesce(token, async () => {
      const principal = await this.lookups.run(() =>
        parseAgentToken(token) ? this.credentials.authenticateAgentToken(token, ip) : this.credentials.authenticateApiKey(token),
      );
      this.authCache.set(token, principal);
      return principal;
    });
  }

  private blockedFor(ip: string): number {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left <= 0) this.blockedUntil.delete(ip);
    return Math.max(0, left);
  }

  private async recordFailure(conn: GatewayConnection, reason: string, details: Record<string, unknown> = {}): Promise<void> {
    this.metrics.rejected(reason);
    const decision = await this.limiter.consume('default', `gateway-connect-failure:${conn.ip}`, this.failureWindow);
    if (!decision.allowed && this.rateLimitConfig.enabled) {
      if (this.blockedUntil.size >= MAX_BLOCKED_IPS) this.pruneBlocked();
      this.blockedUntil.set(conn.ip, Date.now() + decision.retryAfterSecs * 1000);
    }
    await RequestContext.run({ requestId: `ws-connect-${conn.connId}`, transport: 'ws', ip: conn.ip }, () =>
      this.audit
        .record({
          action: 'gateway.connect_failed',
          target: 'ws /',
          outcome: 'denied',
          organizationId: null,
          actor: 'anonymous',
          details: { reason, connId: conn.connId, ...details },
        })
        .catch((err) => this.logger.warn(`audit of a failed connect was not written: ${(err as Error).message}`)),
    );
  }

  private pruneBlocked(): void {
    const now = Date.now();
    for (const [ip, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(ip);
    if (this.blockedUntil.size >= MAX_BLOCKED_IPS) this.blockedUntil.clear();
  }

  private async recordDevice(conn: GatewayConnection, params: ConnectParams, principal: Principal, deviceId: string): Promise<void> {
    await RequestContext.run({ requestId: `ws-connect-${conn.connId}`, transport: 'ws', ip: conn.ip, principal }, async () => {
      try {
        const first = await this.devices.recordSeen({
          deviceId,
          publicKey: params.device!.publicKey,
          clientId: params.client.id,
          clientMode: params.client.mode,
          platform: params.client.platform,
          actor: principal.actor,
          ip: conn.ip,
        });
        if (first) {
          await this.audit.record({
            action: 'gateway.device_registered',
            target: `device:${deviceId}`,
            details: { clientId: params.client.id, platform: params.client.platform, mode: params.client.mode },
          });
        }
      } catch (err) {
        this.logger.warn(`device ${deviceId} was verified but not recorded: ${(err as Error).message}`);
      }
    });
  }
}

/** Requested ∩ held (requested empty → everything held), in canonical order. */
export function grantScopes(requested: string[], held: ReadonlySet<Scope>): Scope[] {
  if (requested.length === 0) return SCOPES.filter((s) => held.has(s));
  const wanted = new Set(requested);
  return SCOPES.filter((s) => wanted.has(s) && held.has(s));
}

export const SUPPORTED_PROTOCOLS = { min: LOWEST_PROTOCOL, max: HIGHEST_PROTOCOL };
