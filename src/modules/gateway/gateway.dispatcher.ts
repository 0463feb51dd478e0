import { Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '../../common/context/request-context';
import { RateLimitConfig, parseRateWindow } from '../../config/rate-limit.config';
import { LockdownService } from '../auth/services/lockdown.service';
import { SERVICE_VERSION } from '../../version';
import { ClusterPresence } from './connection/cluster-presence';
import { ConnectionRegistry } from './connection/connection-registry';
import { GatewayConnection, RunStartScope } from './connection/gateway-connection';
import { setReceiveLimit } from './connection/receive-limit';
import { TokenBucket } from './connection/token-bucket';
import { GATEWAY_EVENTS } from './gateway.broadcaster';
import { GatewayConfig } from './gateway.config';
import { GatewayHealthService } from './gateway-health.service';
import { GatewayMetrics } from './gateway.metrics';
import { HandshakeFailure, HandshakeService } from './handshake/handshake.service';
import { MethodContext } from './methods/method-definition';
import { MethodRegistry } from './methods/method-registry';
import {
  CloseCodes,
  decodeFrame,
  errorResponse,
  okResponse,
  PRE_AUTH_MAX_PAYLOAD,
  RequestFrame,
  SESSION_DEFAULTS,
} from './protocol/frames';
import { GatewayError, GatewayErrors, toGatewayError } from './protocol/gateway-error';
import { Params } from './protocol/params';

/** hello-ok lists at most this many clients (system-presence has the full list). */
const HELLO_PRESENCE_ENTRIES = 100;

/**
 * Turns inbound frames into handshake steps and method calls. Every call runs
 * inside a request context carrying the socket's principal, so services and
 * repositories scope by organization exactly as they do for REST.
 */
@Injectable()
export class GatewayDispatcher {
  private readonly logger = new Logger('Gateway');
  private readonly requestWindow;

  constructor(
    private readonly methods: MethodRegistry,
    private readonly handshake: HandshakeService,
    private readonly lockdown: LockdownService,
    private readonly registry: ConnectionRegistry,
    private readonly presence: ClusterPresence,
    private readonly health: GatewayHealthService,
    private readonly metrics: GatewayMetrics,
    private readonly config: GatewayConfig,
    private readonly rateLimits: RateLimitConfig,
  ) {
    this.requestWindow = parseRateWindow(config.requestRate);
  }

  /** One inbound frame. Never throws: every failure becomes an error response or a close. */
  async onFrame(conn: GatewayConnection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    try {
      if (conn.state === 'open') await this.onOpenFrame(conn, data, isBinary);
      else if (conn.state === 'handshake' || conn.state === 'connecting') await this.onHandshakeFrame(conn, data, isBinary);
    } catch (err) {
      this.logger.error({ err, connId: conn.connId }, 'unexpected failure handling a bridge frame');
    }
  }

  // ---- before connect ----------------------------------------------------

  private async onHandshakeFrame(conn: GatewayConnection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    if (byteLength(data) > PRE_AUTH_MAX_PAYLOAD) {
      this.metrics.rejected('preauth_too_large');
      conn.close(CloseCodes.messageTooBig, 'frame too large before connect');
      return;
    }
    const decoded = decodeFrame(data, isBinary);
    if (decoded.kind === 'garbage') {
      this.metrics.rejected('invalid_handshake');
      conn.close(CloseCodes.policyViolation, 'invalid handshake: first frame must be a connect request');
      return;
    }
    if (decoded.kind === 'invalid') {
      this.metrics.rejected('invalid_handshake');
      conn.sendResponse(errorResponse(decoded.id, new GatewayError('INVALID_REQUEST', decoded.message).toShape()));
      conn.close(CloseCodes.policyViolation, 'invalid handshake');
      return;
    }
    const frame = decoded.frame;
    if (conn.state === 'connecting') {
      const err = new GatewayError('INVALID_REQUEST', 'invalid handshake: wait for the connect response before sending requests');
      conn.sendResponse(errorResponse(frame.id, err.toShape()));
      return;
    }
    if (frame.method !== 'connect') {
      this.metrics.rejected('invalid_handshake');
      conn.sendResponse(errorResponse(frame.id, GatewayErrors.firstRequestMustBeConnect().toShape()));
      conn.close(CloseCodes.policyViolation, 'invalid handshake: first request must be connect');
      return;
    }
    await this.connect(conn, frame);
  }

  private async connect(conn: GatewayConnection, frame: RequestFrame): Promise<void> {
    conn.state = 'connecting';
    const queryToken = conn.queryToken;
    conn.queryToken = undefined;
    try {
      const result = await this.handshake.connect(conn, frame.params, queryToken);
      if ((conn.state as string) !== 'connecting') return; // closed (timeout, shutdown) while authenticating
      clearTimeout(conn.handshakeTimer);
      conn.handshakeTimer = undefined;
      conn.principal = result.principal;
      conn.client = result.params.client;
      conn.protocol = result.protocol;
      conn.grantedScopes = result.grantedScopes;
      conn.deviceId = result.deviceId;
      if (this.rateLimits.enabled) conn.bucket = new TokenBucket(this.requestWindow.limit, this.requestWindow.ttlMs);
      conn.state = 'open';
      this.registry.markOpen(conn);
      setReceiveLimit(conn.ws, this.config.maxPayloadBytes);
      const health = this.health.last() ?? (await Promise.resolve(this.health.snapshot()).catch(() => undefined));
      conn.sendResponse(okResponse(frame.id, this.hello(conn, health)));
      this.presence.localChanged(conn.organizationId!);
      this.logger.log({ connId: conn.connId, client: conn.client.id, mode: conn.client.mode, actor: conn.principal.actor, protocol: conn.protocol }, 'bridge client connected');
    } catch (err) {
      const failure =
        err instanceof HandshakeFailure
          ? err
          : err instanceof GatewayError
            ? new HandshakeFailure(err, CloseCodes.policyViolation, 'invalid connect params')
            : new HandshakeFailure(GatewayErrors.internal(conn.connId), CloseCodes.policyViolation, 'connect failed');
      if (!(err instanceof HandshakeFailure) && !(err instanceof GatewayError)) {
        this.logger.error({ err, connId: conn.connId }, 'connect failed unexpectedly');
      }
      if (!(err instanceof HandshakeFailure)) this.metrics.rejected('invalid_connect');
      conn.sendResponse(errorResponse(frame.id, failure.error.toShape()));
      conn.close(failure.closeCode, failure.closeReason);
      conn.state = 'closed';
    }
  }

  private hello(conn: GatewayConnection, health: unknown): Record<string, unknown> {
    return {
      type: 'hello-ok',
      protocol: conn.protocol,
      server: { version: SERVICE_VERSION, connId: conn.connId },
      features: { methods: this.methods.names(), events: [...GATEWAY_EVENTS] },
      snapshot: {
        presence: this.registry.presence(conn.organizationId!, HELLO_PRESENCE_ENTRIES),
        health: health ?? {},
        stateVersion: this.registry.stateVersion(),
        uptimeMs: Math.round(process.uptime() * 1000),
        sessionDefaults: SESSION_DEFAULTS,
        authMode: 'token',
      },
      auth: { method: 'token', role: 'operator', scopes: conn.grantedScopes },
      policy: {
        maxPayload: this.config.maxPayloadBytes,
        maxBufferedBytes: this.config.maxBufferedBytes,
        tickIntervalMs: this.config.tickIntervalMs,
      },
    };
  }

  // ---- after connect -----------------------------------------------------

  private async onOpenFrame(conn: GatewayConnection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    const decoded = decodeFrame(data, isBinary);
    if (decoded.kind === 'garbage') {
      this.metrics.rejected('bad_frame');
      return; // no id to answer: dropped, the socket stays open
    }
    if (decoded.kind === 'invalid') {
      this.metrics.rejected('bad_frame');
      conn.sendResponse(errorResponse(decoded.id, new GatewayError('INVALID_REQUEST', decoded.message).toShape()));
      return;
    }
    await this.call(conn, decoded.frame);
  }

  private async call(conn: GatewayConnection, frame: RequestFrame): Promise<void> {
    const def = this.methods.get(frame.method);
    const label = def?.name ?? (frame.method === 'connect' ? 'connect' : 'unknown');
    const requestId = conn.nextRequestId();
    const scope = new RunStartScope();
    try {
      if (frame.method === 'connect') throw GatewayErrors.alreadyConnected();
      const waitMs = conn.bucket?.take() ?? 0;
      if (waitMs > 0) throw GatewayErrors.rateLimited(waitMs);
      if (!def) throw GatewayErrors.unknownMethod(frame.method);
      if (!conn.hasScope(def.scope)) throw GatewayErrors.missingScope(def.scope, [def.scope]);
      if (def.mutating && def.scope !== 'operator.admin' && (await this.lockdown.isActive())) throw GatewayErrors.lockdown();
      const ctx: MethodContext = {
        connection: conn,
        requestId,
        runScope: scope,
        startRuns: async (start, runIdsOf) => {
          conn.beginRunStart(scope);
          const result = await start();
          for (const id of runIdsOf(result)) if (id) scope.runIds.push(id);
          return result;
        },
      };
      const result = RequestContext.run({ requestId, transport: 'ws', ip: conn.ip, principal: conn.principal }, () =>
        def.handler(new Params(def.name, frame.params), ctx),
      );
      // Handlers answering from memory (cached health, presence) return plain values: no extra await.
      const payload = isPromise(result) ? await result : result;
      conn.sendResponse(okResponse(frame.id, payload ?? {}));
      this.metrics.request(label, 'ok');
    } catch (err) {
      const gatewayError = toGatewayError(err, requestId);
      if (gatewayError.details?.code === 'INTERNAL') {
        this.logger.error({ err, connId: conn.connId, method: label, requestId }, 'bridge method failed');
      }
      conn.sendResponse(errorResponse(frame.id, gatewayError.toShape()));
      this.metrics.request(label, gatewayError.code);
    } finally {
      conn.settleRunStarts(scope);
    }
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return !!value && typeof (value as { then?: unknown }).then === 'function';
}

function byteLength(data: Buffer | ArrayBuffer | Buffer[]): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}
