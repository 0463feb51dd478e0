import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { EventBus } from '../../common/events/event-bus';
import { compileTrust, resolveClientIp, TrustFn } from '../../common/http/client-ip';
import { LifecycleService } from '../../common/lifecycle/lifecycle.service';
import { ServerConfig } from '../../config/server.config';
import { HealthContributors } from '../health/health-contributors';
import { ClusterPresence } from './connection/cluster-presence';
import { ConnectionRegistry } from './connection/connection-registry';
import { GatewayConnection } from './connection/gateway-connection';
import { setReceiveLimit } from './connection/receive-limit';
import { GatewayBroadcaster } from './gateway.broadcaster';
import { GatewayConfig } from './gateway.config';
import { GatewayDispatcher } from './gateway.dispatcher';
import { GatewayHealthService } from './gateway-health.service';
import { GatewayMetrics } from './gateway.metrics';
import { CloseCodes, PRE_AUTH_MAX_PAYLOAD } from './protocol/frames';

const HEALTH_WATCH_INTERVAL_MS = 10_000;
const SHUTDOWN_FLUSH_MS = 500;

/**
 * The OpenClaw-compatible WebSocket bridge at `GET /` on the service port.
 * A `ws` server without its own listener takes the HTTP server's upgrades, so
 * the connection cap answers 503 before any handshake, frame limits are exact
 * (64 KiB before connect, maxPayload after → 1009) and every send checks the
 * socket's backlog.
 */
@Injectable()
export class GatewayServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Gateway');
  private wss?: WebSocketServer;
  private httpServer?: Server;
  private readonly trust: TrustFn;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribers: (() => void)[] = [];
  private reservedSlots = 0;
  private stopping = false;
  private lastHealthStatus?: string;
  private readonly onUpgradeBound = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: GatewayConfig,
    serverConfig: ServerConfig,
    private readonly registry: ConnectionRegistry,
    private readonly dispatcher: GatewayDispatcher,
    private readonly broadcaster: GatewayBroadcaster,
    private readonly presence: ClusterPresence,
    private readonly health: GatewayHealthService,
    private readonly metrics: GatewayMetrics,
    private readonly lifecycle: LifecycleService,
    private readonly bus: EventBus,
    private readonly healthContributors: HealthContributors,
  ) {
    this.trust = compileTrust(serverConfig.trustedProxies);
  }

  onApplicationBootstrap(): void {
    this.healthContributors.register('wsConnections', () => this.registry.size as unknown as Record<string, unknown>);
    this.healthContributors.register('gateway', () => ({
      connections: this.registry.size,
      authenticated: this.registry.authenticatedCount,
      maxConnections: this.config.maxConnections,
    }));
    this.unsubscribers.push(
      this.bus.subscribe('credentials.revoked', (e) => {
        const ids = new Set(e.credentialIds);
        this.closeWhere(
          e.organizationId,
          (c) => (!!c.principal?.credentialId && ids.has(c.principal.credentialId)) || (!!e.userId && c.principal?.userId === e.userId),
          'credentials revoked',
        );
      }),
      this.bus.subscribe('organization.lock_changed', (e) => {
        if (e.locked) this.closeWhere(e.organizationId, () => true, 'organization locked');
      }),
    );
    const httpServer = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!httpServer) return; // an application context without HTTP (the CLI): no bridge
    this.httpServer = httpServer;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.config.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    httpServer.on('upgrade', this.onUpgradeBound);
    this.every(this.config.tickIntervalMs, () => this.broadcaster.toAll('tick', { ts: Date.now() }));
    this.every(this.config.heartbeatIntervalMs, () => this.heartbeat());
    this.every(HEALTH_WATCH_INTERVAL_MS, () => void this.watchHealth());
    this.lifecycle.onDrain('gateway', (deadline) => this.drain(deadline));
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  // ---- upgrades ------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://bridge').pathname;
    } catch {
      pathname = '';
    }
    if (pathname !== '/') {
      // Another module may serve upgrades on its own path; refuse only when nobody else listens.
      if (this.httpServer && this.httpServer.listenerCount('upgrade') > 1) return;
      return refuseUpgrade(socket, 404, 'Not Found', 'the WebSocket bridge is served at / (not /ws)');
    }
    socket.on('error', () => {}); // a peer resetting mid-handshake must not surface as an unhandled error
    if (this.stopping || this.lifecycle.draining) {
      this.metrics.rejected('draining');
      return refuseUpgrade(socket, 503, 'Service Unavailable', 'the service is shutting down');
    }
    if (this.registry.size + this.reservedSlots >= this.config.maxConnections) {
      this.metrics.rejected('max_connections');
      return refuseUpgrade(socket, 503, 'Service Unavailable', 'too many WebSocket connections (MAX_WEBSOCKET_CONNECTIONS)');
    }
    this.reservedSlots++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.reservedSlots--;
      }
    };
    socket.once('close', release);
    this.wss!.handleUpgrade(req, socket, head, (ws) => {
      release();
      socket.off('close', release);
      this.onConnection(ws, req);
    });
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const ip = resolveClientIp(req as never, this.trust);
    const conn = new GatewayConnection(ws, ip, {
      maxBufferedBytes: this.config.maxBufferedBytes,
      onSlowConsumer: (c) => {
        this.metrics.rejected('slow_consumer');
        this.logger.warn({ connId: c.connId }, 'bridge client stopped reading; disconnected (maxBufferedBytes)');
        c.state = 'closed';
        c.ws.terminate();
      },
    });
    try {
      conn.queryToken = new URL(req.url ?? '/', 'http://bridge').searchParams.get('token') || undefined;
    } catch {}
    this.registry.add(conn);
    this.updateGauges();
    setReceiveLimit(ws, PRE_AUTH_MAX_PAYLOAD);
    ws.on('message', (data, isBinary) => {
      conn.alive = true;
      void this.dispatcher.onFrame(conn, data as Buffer, isBinary);
    });
    ws.on('pong', () => (conn.alive = true));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.metrics.rejected('frame_too_large');
      this.logger.debug({ connId: conn.connId, code: err.code }, `bridge socket error: ${err.message}`);
    });
    ws.on('close', () => this.onClose(conn));
    conn.handshakeTimer = setTimeout(() => {
      if (conn.state === 'handshake' || conn.state === 'connecting') {
        this.metrics.rejected('handshake_timeout');
        conn.state = 'closed';
        conn.close(CloseCodes.policyViolation, 'handshake timeout');
      }
    }, this.config.handshakeTimeoutMs);
    conn.sendEvent('connect.challenge', { nonce: conn.nonce, ts: Date.now() });
  }

  private onClose(conn: GatewayConnection): void {
    clearTimeout(conn.handshakeTimer);
    conn.handshakeTimer = undefined;
    conn.queryToken = undefined;
    conn.state = 'closed';
    const org = conn.organizationId;
    const wasAuthenticated = this.registry.remove(conn);
    this.updateGauges();
    if (wasAuthenticated && org && !this.stopping) this.presence.localChanged(org);
  }

  private updateGauges(): void {
    this.metrics.setConnections(this.registry.size, this.registry.authenticatedCount);
  }

  // ---- liveness -------------------------------------------------------------

  /**
   * Pings every socket; one that did not answer the previous ping (nor sent
   * anything) is dropped, and one whose credential expired is closed.
   */
  private heartbeat(): void {
    const now = Date.now();
    for (const conn of this.registry.connections()) {
      const expiresAt = conn.principal?.expiresAt;
      if (conn.isOpen && expiresAt && expiresAt.getTime() <= now) {
        this.metrics.rejected('credentials_expired');
        conn.state = 'closed';
        conn.close(CloseCodes.policyViolation, 'credentials expired');
        continue;
      }
      if (!conn.alive) {
        this.metrics.rejected('heartbeat_timeout');
        conn.state = 'closed';
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {}
    }
  }

  private async watchHealth(): Promise<void> {
    if (this.registry.authenticatedCount === 0) return;
    const snapshot = await Promise.resolve(this.health.snapshot(true)).catch(() => undefined);
    if (!snapshot) return;
    const status = `${snapshot.status}:${snapshot.database.ok}:${snapshot.redis.ok}`;
    if (this.lastHealthStatus !== undefined && status !== this.lastHealthStatus) this.broadcaster.healthChanged(snapshot);
    this.lastHealthStatus = status;
  }

  // ---- revocation and shutdown ------------------------------------------------

  private closeWhere(organizationId: string, match: (c: GatewayConnection) => boolean, reason: string): void {
    for (const conn of [...this.registry.inOrganization(organizationId)]) {
      if (!match(conn)) continue;
      conn.state = 'closed';
      conn.close(CloseCodes.policyViolation, reason);
      // Do not wait for the client's close frame: the socket is dead to us from now on.
      const timer = setTimeout(() => conn.ws.terminate(), 1000);
      timer.unref();
      this.logger.log({ connId: conn.connId, reason }, 'bridge socket closed');
    }
  }

  /** SIGTERM: every client hears `shutdown`, then the sockets close with 1012 (service restart). */
  private async drain(deadline: number): Promise<void> {
    this.stopping = true;
    this.presence.withdraw();
    this.broadcaster.toAll('shutdown', { reason: 'service stopping' });
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(SHUTDOWN_FLUSH_MS, deadline - Date.now() - 100))));
    for (const conn of this.registry.connections()) {
      conn.state = 'closed';
      conn.close(CloseCodes.serviceRestart, 'service restart');
    }
    const until = Math.min(deadline, Date.now() + 2000);
    while (this.registry.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const conn of this.registry.connections()) conn.ws.terminate();
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const off of this.unsubscribers.splice(0)) off();
    this.httpServer?.off('upgrade', this.onUpgradeBound);
    for (const conn of this.registry.connections()) {
      clearTimeout(conn.handshakeTimer);
      conn.ws.terminate();
    }
    this.wss?.close();
  }
}

function refuseUpgrade(socket: Duplex, status: number, statusText: string, detail: string): void {
  const body = JSON.stringify({ type: 'about:blank', title: statusText, status, detail });
  try {
    socket.end(
      `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `${status === 503 ? 'Retry-After: 5\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  } catch {}
  setTimeout(() => socket.destroy(), 1000).unref();
}
