import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventBus } from '../../../common/events/event-bus';
import { EventMap } from '../../../common/events/event-map';
import { GatewayBroadcaster, PRESENCE_INTERVAL_MS } from '../gateway.broadcaster';
import { ConnectionRegistry } from './connection-registry';
import { KeyedThrottle } from './keyed-throttle';

/** How often a replica repeats its clients' presence; a report not renewed within three of these expires. */
export const PRESENCE_HEARTBEAT_MS = 5000;
const REPORT_TTL_MS = 3 * PRESENCE_HEARTBEAT_MS;

/**
 * Presence across replicas: each replica publishes its clients per
 * organization on the event bus (at most once a second when they change, and
 * every PRESENCE_HEARTBEAT_MS), keeps the other replicas' reports in the
 * registry, and tells its own sockets when those change. A replica that stops
 * withdraws its clients; one that dies is forgotten when its report expires.
 * Without REDIS_URL there is one replica and nothing is published.
 */
@Injectable()
export class ClusterPresence implements OnModuleInit, OnApplicationShutdown {
  private readonly replicaId = randomUUID();
  private readonly publishing = new KeyedThrottle(PRESENCE_INTERVAL_MS, (org) => this.publish(org));
  /** Organizations whose clients the other replicas currently hold from us. */
  private readonly reported = new Set<string>();
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  /** Set by withdraw(): the sockets still closing are not reported again. */
  private withdrawn = false;

  constructor(
    private readonly bus: EventBus,
    private readonly registry: ConnectionRegistry,
    private readonly broadcaster: GatewayBroadcaster,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe('gateway.presence', (report) => this.onReport(report));
    this.heartbeat = setInterval(() => this.beat(), PRESENCE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** A client of this replica came or went: this replica's readers hear it now, the others within a second. */
  localChanged(organizationId: string): void {
    this.broadcaster.presenceChanged(organizationId);
    if (this.bus.distributed) this.publishing.trigger(organizationId);
  }

  /** Stopping: the other replicas drop this replica's clients now instead of when the reports expire. */
  withdraw(): void {
    this.withdrawn = true;
    this.publishing.cancel();
    for (const organizationId of this.reported) this.send(organizationId, [], 0, 0);
    this.reported.clear();
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
    this.withdraw();
    this.unsubscribe?.();
  }

  private beat(): void {
    if (this.bus.distributed) {
      for (const organizationId of new Set([...this.registry.organizations(), ...this.reported]))
        this.publish(organizationId);
    }
    for (const organizationId of this.registry.expireRemote())
      this.broadcaster.presenceChanged(organizationId);
  }

  private publish(organizationId: string): void {
    if (this.withdrawn) return;
    const entries = this.registry.localPresence(organizationId);
    const total = this.registry.inOrganization(organizationId).size;
    if (total > 0) {
      this.reported.add(organizationId);
      this.send(organizationId, entries, total, REPORT_TTL_MS);
    } else if (this.reported.delete(organizationId)) {
      this.send(organizationId, [], 0, 0);
    }
  }

  private send(
    organizationId: string,
    entries: EventMap['gateway.presence']['entries'],
    total: number,
    ttlMs: number,
  ): void {
    this.bus.publish('gateway.presence', {
      replicaId: this.replicaId,
      organizationId,
      entries,
      total,
      ttlMs,
    });
  }

  private onReport(report: EventMap['gateway.presence']): void {
    if (report.replicaId === this.replicaId) return;
    const snapshot =
      report.ttlMs > 0
        ? { entries: report.entries, total: report.total, expiresAt: Date.now() + report.ttlMs }
        : undefined;
    if (this.registry.setRemote(report.organizationId, report.replicaId, snapshot))
      this.broadcaster.presenceChanged(report.organizationId);
  }
}
