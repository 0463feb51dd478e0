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

/**
 * Every socket of this replica, indexed by organization once authenticated,
 * plus the state versions (`stateVersion.presence` / `.health`) clients use
 * to tell fresh snapshots from stale ones.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly all = new Set<GatewayConnection>();
  private readonly byOrg = new Map<string, Set<GatewayConnection>>();
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

  /**
   * Connected clients of one organization, this gateway itself first (as
   * OpenClaw lists it), at most `limit` entries (longest-connected first).
   */
  presence(organizationId: string, limit = MAX_PRESENCE_ENTRIES): PresenceEntry[] {
    const entries: PresenceEntry[] = [this.selfEntry()];
    for (const c of this.inOrganization(organizationId)) {
      if (entries.length >= limit) break;
      entries.push(presenceOf(c));
    }
    return entries;
  }

  /** How many presence entries an organization has (itself included). */
  presenceCount(organizationId: string): number {
    return this.inOrganization(organizationId).size + 1;
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
