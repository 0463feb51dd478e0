import { ConnectionRegistry, PresenceEntry } from './connection-registry';

const entry = (connId: string): PresenceEntry => ({
  host: connId,
  version: '1.0.0',
  platform: 'linux',
  mode: 'cli',
  instanceId: connId,
  reason: 'connect',
  ts: 0,
  text: connId,
  roles: ['operator'],
  scopes: ['operator.read'],
  connId,
});

describe('ConnectionRegistry: other replicas’ clients', () => {
  const org = 'org-1';
  const later = (ms: number) => Date.now() + ms;

  it('lists them after this gateway, counts their total, and reports a change only when the clients differ', () => {
    const registry = new ConnectionRegistry();
    const version = registry.stateVersion().presence;
    expect(
      registry.setRemote(org, 'replica-b', {
        entries: [entry('b1'), entry('b2')],
        total: 5,
        expiresAt: later(15_000),
      }),
    ).toBe(true);
    expect(registry.presence(org).map((e) => e.connId ?? e.reason)).toEqual(['self', 'b1', 'b2']);
    expect(registry.presenceCount(org)).toBe(6);
    expect(registry.stateVersion().presence).toBe(version + 1);

    // The heartbeat repeats the same clients: a longer life, no presence change.
    expect(
      registry.setRemote(org, 'replica-b', {
        entries: [entry('b1'), entry('b2')],
        total: 5,
        expiresAt: later(30_000),
      }),
    ).toBe(false);
    expect(
      registry.setRemote(org, 'replica-b', { entries: [entry('b1')], total: 1, expiresAt: later(15_000) }),
    ).toBe(true);
    expect(registry.presence(org, 1)).toHaveLength(1);
    expect(registry.presence('another-org')).toHaveLength(1);

    // Withdrawn (ttl 0 on the bus).
    expect(registry.setRemote(org, 'replica-b', undefined)).toBe(true);
    expect(registry.presence(org)).toHaveLength(1);
    expect(registry.setRemote(org, 'replica-b', undefined)).toBe(false);
  });

  it('forgets a report that was not renewed in time (its replica died) and names the organization', () => {
    const registry = new ConnectionRegistry();
    registry.setRemote(org, 'replica-b', { entries: [entry('b1')], total: 1, expiresAt: later(1_000) });
    registry.setRemote(org, 'replica-c', { entries: [entry('c1')], total: 1, expiresAt: later(60_000) });
    expect(registry.expireRemote(later(0))).toEqual([]);
    expect(registry.expireRemote(later(2_000))).toEqual([org]);
    expect(registry.presence(org).map((e) => e.connId ?? e.reason)).toEqual(['self', 'c1']);
    expect(registry.presenceCount(org)).toBe(2);
  });
});
