import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Scope } from '../../common/context/principal';
import { EventBus } from '../../common/events/event-bus';
import { ConnectionRegistry } from './connection/connection-registry';
import { GatewayConnection } from './connection/gateway-connection';
import { KeyedThrottle } from './connection/keyed-throttle';
import { GatewayMetrics } from './gateway.metrics';

/** Every event the bridge may send, as advertised in `hello-ok.features.events`. */
export const GATEWAY_EVENTS = [
  'connect.challenge',
  'tick',
  'chat',
  'agent',
  'presence',
  'health',
  'sessions.changed',
  'shutdown',
  // Published by the subagents module through `gateway.broadcast` (ACP permission requests).
  'exec.approval.requested',
  'exec.approval.resolved',
] as const;

/** Presence events of one organization go out at most this often (a reconnect storm becomes a few events). */
export const PRESENCE_INTERVAL_MS = 1000;
/**
 * A presence event lists every client, so its cost grows with clients × recipients.
 * Past this many bytes per broadcast the list is trimmed (longest-connected first,
 * the gateway itself always) and carries `total` and `truncated: true`.
 */
export const PRESENCE_FANOUT_BUDGET_BYTES = 4 * 1024 * 1024;
const PRESENCE_ENTRY_BYTES = 320;

/**
 * Relays bus events to sockets: `chat`/`agent` to the sockets that started the
 * run or subscribed, `sessions.changed`, presence and health to the
 * organization's readers, and module broadcasts (`gateway.broadcast`). The bus
 * carries events across replicas, so a run on another replica reaches this socket.
 * A broadcast serializes its payload once, whatever the number of sockets.
 */
@Injectable()
export class GatewayBroadcaster implements OnModuleInit, OnApplicationShutdown {
  private readonly unsubscribers: (() => void)[] = [];
  private readonly presenceThrottle = new KeyedThrottle(PRESENCE_INTERVAL_MS, (org) =>
    this.sendPresence(org),
  );

  constructor(
    private readonly bus: EventBus,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: GatewayMetrics,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.bus.subscribe('chat', (e) => this.relayRun(e.organizationId, e.runId, 'chat', e.payload)),
      this.bus.subscribe('agent', (e) => this.relayRun(e.organizationId, e.runId, 'agent', e.payload)),
      this.bus.subscribe('sessions.changed', (e) =>
        this.toOrganization(e.organizationId, 'sessions.changed', { sessionKey: e.sessionKey, reason: e.reason, ...(e.payload ?? {}) }),
      ),
      this.bus.subscribe('gateway.broadcast', (e) =>
        this.toOrganization(e.organizationId, e.event, e.payload, (e.requiredScope as Scope | undefined) ?? 'operator.read'),
      ),
    );
  }

  onApplicationShutdown(): void {
    for (const off of this.unsubscribers.splice(0)) off();
    this.presenceThrottle.cancel();
  }

  private relayRun(organizationId: string, runId: string, event: 'chat' | 'agent', payload: Record<string, unknown>): void {
    for (const conn of this.registry.inOrganization(organizationId)) conn.offerRunEvent(runId, event, payload);
    this.metrics.events.inc({ event });
  }

  /** Sends one event to every open socket of an organization holding `scope`. */
  toOrganization(organizationId: string, event: string, payload: unknown, scope: Scope = 'operator.read', withState = false): void {
    this.send(this.registry.inOrganization(organizationId), event, payload, (c) => c.hasScope(scope), withState);
  }

  /** Sends one event to every open socket (tick, health, shutdown). */
  toAll(event: string, payload: unknown, filter: (c: GatewayConnection) => boolean = () => true, withState = false): void {
    this.send(this.registry.connections(), event, payload, filter, withState);
  }

  private send(
    sockets: Iterable<GatewayConnection>,
    event: string,
    payload: unknown,
    filter: (c: GatewayConnection) => boolean,
    withState: boolean,
  ): void {
    let payloadJson: string | undefined;
    const stateJson = withState ? JSON.stringify(this.registry.stateVersion()) : undefined;
    let sent = 0;
    for (const conn of sockets) {
      if (!conn.isOpen || !filter(conn)) continue;
      payloadJson ??= JSON.stringify(payload ?? null);
      conn.sendEventJson(event, payloadJson, stateJson);
      sent++;
    }
    if (sent) this.metrics.events.inc({ event: (GATEWAY_EVENTS as readonly string[]).includes(event) ? event : 'other' }, sent);
  }

  /** A client of the organization came or went: a presence event now, or once the interval has passed. */
  presenceChanged(organizationId: string): void {
    this.presenceThrottle.trigger(organizationId);
  }

  private sendPresence(organizationId: string): void {
    const sockets = this.registry.inOrganization(organizationId);
    if (sockets.size === 0) {
      this.presenceThrottle.forget(organizationId);
      return;
    }
    const total = this.registry.presenceCount(organizationId);
    const fit = Math.max(1, Math.floor(PRESENCE_FANOUT_BUDGET_BYTES / PRESENCE_ENTRY_BYTES / sockets.size));
    const payload = fit >= total ? { presence: this.registry.presence(organizationId) } : { presence: this.registry.presence(organizationId, fit), total, truncated: true };
    this.toOrganization(organizationId, 'presence', payload, 'operator.read', true);
  }

  healthChanged(health: unknown): void {
    this.registry.bumpHealth();
    this.toAll('health', health, (c) => c.hasScope('operator.read'), true);
  }
}
