import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { SERVICE_VERSION } from '../../../version';
import { GatewayConnection } from './gateway-connection';

export interface PresenceEntry {
  host: string;
  ip?: string;
  version: string;
  platform: string;
  deviceFamily?: string;
  mode: string;
  instanceId: string;
  reason: string;
  ts: number;
  text: string;
  roles: string[];
  scopes: string[];
  deviceId?: string;
  connId?: string;
}

/** The clients of one organization on another replica, as that replica last published them. */
export interface RemotePresence {
  entries: PresenceEntry[];
  /** How many clients it has (entries may be cut at MAX_PRESENCE_ENTRIES). */
  total: number;
  expiresAt: number;
}

/**
 * Every socket of this replica, indexed by organization once authenticated,
 * the clients other replicas reported (ClusterPresence), and the state
 * versions (`stateVersion.presence` / `.health`) clients use to tell fresh
 * snapshots from stale ones.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly all = new Set<GatewayConnection>();
  private readonly byOrg = new Map<string, Set<GatewayConnection>>();
  /** organization → replica id → its clients there. */
  private readonly remote = new Map<string, Map<string, RemotePresence>>();
  private readonly startedAt = Date.now();
  readonly versions = { presence: 1, health: 1 };

  get size(): number {
    return this.all.size;
  }

  get authenticatedCount(): number {
    let n = 0;
    for (const set of this.byOrg.values()) n += set.size;
    return n;
  }

  add(conn: GatewayConnection): void {
    this.all.add(conn);
  }

  /** The socket completed `connect`: it now counts for presence and receives its organization's events. */
  markOpen(conn: GatewayConnection): void {
    const org = conn.organizationId!;
    let set = this.byOrg.get(org);
    if (!set) this.byOrg.set(org, (set = new Set()));
    set.add(conn);
    this.versions.presence++;
  }

  /** Removes a closed socket; true when it had been authenticated (presence changed). */
  remove(conn: GatewayConnection): boolean {
    this.all.delete(conn);
    const org = conn.organizationId;
    const set = org ? this.byOrg.get(org) : undefined;
    if (!set?.delete(conn)) return false;
    if (set.size === 0) this.byOrg.delete(org!);
    this.versions.presence++;
    return true;
  }

  bumpHealth(): void {
    this.versions.health++;
  }

  stateVersion(): { presence: number; health: number } {
    return { presence: this.versions.presence, health: this.versions.health };
  }

  connections(): IterableIterator<GatewayConnection> {
    return this.all.values();
  }

  inOrganization(organizationId: string): ReadonlySet<GatewayConnection> {
    return this.byOrg.get(organizationId) ?? EMPTY;
  }

  /** Organizations with at least one authenticated socket on this replica. */
  organizations(): IterableIterator<string> {
    return this.byOrg.keys();
  }

  /**
   * Connected clients of one organization, this gateway itself first (as
   * OpenClaw lists it), then this replica's clients (longest-connected first),
   * then those other replicas reported; at most `limit` entries.
   */
  presence(organizationId: string, limit = MAX_PRESENCE_ENTRIES): PresenceEntry[] {
    const entries: PresenceEntry[] = [this.selfEntry(), ...this.localPresence(organizationId, limit - 1)];
    const now = Date.now();
    for (const snapshot of this.remote.get(organizationId)?.values() ?? []) {
      if (snapshot.expiresAt <= now) continue;
      for (const entry of snapshot.entries) {
        if (entries.length >= limit) return entries;
        entries.push(entry);
      }
    }
    return entries;
  }

  /** This replica's clients of one organization (without the gateway's own entry). */
  localPresence(organizationId: string, limit = MAX_PRESENCE_ENTRIES): PresenceEntry[] {
    const entries: PresenceEntry[] = [];
    for (const c of this.inOrganization(organizationId)) {
      if (entries.length >= limit) break;
      entries.push(presenceOf(c));
    }
    return entries;
  }

  /** How many presence entries an organization has (itself and other replicas' clients included). */
  presenceCount(organizationId: string): number {
    let n = this.inOrganization(organizationId).size + 1;
    const now = Date.now();
    for (const snapshot of this.remote.get(organizationId)?.values() ?? [])
      if (snapshot.expiresAt > now) n += snapshot.total;
    return n;
  }

  /**
   * What another replica reports for an organization (undefined: it has no clients there any more).
   * True when the list changed; a report of the same clients only extends its life.
   */
  setRemote(organizationId: string, replicaId: string, snapshot: RemotePresence | undefined): boolean {
    let replicas = this.remote.get(organizationId);
    const before = replicas?.get(replicaId);
    if (!snapshot) {
      if (!before || !replicas?.delete(replicaId)) return false;
      if (replicas.size === 0) this.remote.delete(organizationId);
      this.versions.presence++;
      return before.expiresAt > Date.now();
    }
    if (!replicas) this.remote.set(organizationId, (replicas = new Map()));
    replicas.set(replicaId, snapshot);
    if (before && before.expiresAt > Date.now() && sameClients(before, snapshot)) return false;
    this.versions.presence++;
    return true;
  }

  /** Forgets reports that were not renewed in time (their replica died); the organizations affected. */
  expireRemote(now = Date.now()): string[] {
    const changed: string[] = [];
    for (const [organizationId, replicas] of this.remote) {
      for (const [replicaId, snapshot] of replicas) {
        if (snapshot.expiresAt > now) continue;
        replicas.delete(replicaId);
        if (!changed.includes(organizationId)) changed.push(organizationId);
      }
      if (replicas.size === 0) this.remote.delete(organizationId);
    }
    if (changed.length) this.versions.presence++;
    return changed;
  }

  private selfEntry(): PresenceEntry {
    return {
      host: HOST,
      version: SERVICE_VERSION,
      platform: process.platform,
      mode: 'gateway',
      instanceId: `gateway-${process.pid}`,
      reason: 'self',
      ts: this.startedAt,
      text: `Gateway: ${HOST} · clawcontrol ${SERVICE_VERSION}`,
      roles: ['gateway'],
      scopes: [],
    };
  }
}

/** system-presence and hello-ok list at most this many clients (the count is in presence events' `total`). */
export const MAX_PRESENCE_ENTRIES = 1000;
const HOST = hostname();

const EMPTY: ReadonlySet<GatewayConnection> = new Set();

function sameClients(a: RemotePresence, b: RemotePresence): boolean {
  if (a.total !== b.total || a.entries.length !== b.entries.length) return false;
  return a.entries.every(
    (e, i) => e.connId === b.entries[i].connId && e.instanceId === b.entries[i].instanceId,
  );
}

function presenceOf(c: GatewayConnection): PresenceEntry {
  const client = c.client!;
  const entry: PresenceEntry = {
    host: client.displayName ?? client.id,
    ip: c.ip,
    version: client.version,
    platform: client.platform,
    mode: client.mode,
    instanceId: client.instanceId ?? c.connId,
    reason: 'connect',
    ts: c.connectedAt,
    text: `${client.displayName ?? client.id} (${client.mode}, ${client.platform})`,
    roles: ['operator'],
    scopes: c.grantedScopes,
    connId: c.connId,
  };
  if (client.deviceFamily) entry.deviceFamily = client.deviceFamily;
  if (c.deviceId) entry.deviceId = c.deviceId;
  return entry;
}
