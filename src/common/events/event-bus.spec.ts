import type { RedisConfig } from '../../config/redis.config';
import type { RedisConnections } from '../redis/redis-connections';
import { EventBus } from './event-bus';

/** Redis that is down: every PUBLISH fails at once (no offline queue), as ioredis does for our publisher. */
function busWithRedisDown(): EventBus {
  const client = {
    on: () => client,
    subscribe: () => Promise.resolve(1),
    unsubscribe: () => Promise.resolve(1),
    publish: () =>
      Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
  };
  const connections = { configured: true, client: () => client } as unknown as RedisConnections;
  return new EventBus(connections, { keyPrefix: 'test:' } as RedisConfig);
}

const settle = () => new Promise((r) => setImmediate(r));

describe('EventBus while Redis is down', () => {
  afterEach(() => jest.restoreAllMocks());

  it('still delivers on this replica, and warns once a minute, counting what it did not fan out', async () => {
    const bus = busWithRedisDown();
    await bus.onModuleInit();
    const warn = jest.spyOn((bus as any).logger, 'warn').mockImplementation(() => undefined);
    let now = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const seen: string[] = [];
    bus.subscribe('settings.changed', (e) => seen.push(e.key));

    for (let i = 0; i < 5; i++) bus.publish('settings.changed', { key: `k${i}` });
    await settle();
    expect(seen).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^event settings\.changed not fanned out to other replicas: /);

    now += 60_000;
    bus.publish('settings.changed', { key: 'k5' });
    await settle();
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1][0]).toMatch(/\(and 4 more since the last warning\)$/);
  });
});
