import { MetricsRegistry } from '../src/common/metrics/metrics-registry';
import { RedisConnections } from '../src/common/redis/redis-connections';
import { findRedisServer, PrivateRedis, startPrivateRedis } from './support/private-redis';
import { startTestApp, TEST_REDIS_PREFIX, TestApp, waitFor } from './support/test-app';

/** In-memory counters, a default budget of 3 requests per minute per client IP. */
const MEMORY = { REDIS_URL: undefined, RATE_LIMIT_BACKEND: 'memory', RATE_LIMIT_DEFAULT: '3/60' };
const ROUTE = '/api/health'; // public, under the default limit

describe('rate limits (memory backend)', () => {
  describe('behind no trusted proxy', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ env: MEMORY });
    }, 60_000);
    afterAll(() => app?.close());

    it('the request over the default budget is 429 problem+json with Retry-After; forged X-Forwarded-For changes nothing', async () => {
      for (let i = 1; i <= 3; i++) {
        await app.http().get(ROUTE).set('X-Forwarded-For', `203.0.113.${i}`).expect(200);
      }
      const res = await app.http().get(ROUTE).set('X-Forwarded-For', '203.0.113.99');
      expect(res.status).toBe(429);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(55); // the rest of the 60 s window, not a token second
      expect(retryAfter).toBeLessThanOrEqual(60);
      await app.http().get(ROUTE).set('Forwarded', 'for=198.51.100.1').expect(429);
      // probes are never limited
      await app.http().get('/healthz').expect(200);
      await app.http().get('/readyz').expect(200);
    });

    it('counts refusals in rate_limit_hits_total', async () => {
      const metric = await app.app.get(MetricsRegistry).rateLimitHits.get();
      const hits = metric.values.find((v) => v.labels.limit === 'default')?.value ?? 0;
      expect(hits).toBeGreaterThanOrEqual(2);
    });
  });

  describe('behind TRUSTED_PROXIES=127.0.0.1', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ env: { ...MEMORY, TRUSTED_PROXIES: '127.0.0.1' } });
    }, 60_000);
    afterAll(() => app?.close());

    it('gives each X-Forwarded-For client its own budget', async () => {
      for (let i = 0; i < 3; i++)
        await app.http().get(ROUTE).set('X-Forwarded-For', '203.0.113.10').expect(200);
      await app.http().get(ROUTE).set('X-Forwarded-For', '203.0.113.10').expect(429);
      await app.http().get(ROUTE).set('X-Forwarded-For', '203.0.113.11').expect(200);
      // a chain through a second trusted hop still resolves to the original client
      await app.http().get(ROUTE).set('X-Forwarded-For', '203.0.113.10, 127.0.0.1').expect(429);
    });

    it('gives each Forwarded: for= client its own budget', async () => {
      for (let i = 0; i < 3; i++)
        await app.http().get(ROUTE).set('Forwarded', 'for=198.51.100.7;proto=https').expect(200);
      await app.http().get(ROUTE).set('Forwarded', 'for=198.51.100.7').expect(429);
      await app.http().get(ROUTE).set('Forwarded', 'for="[2001:db8::7]:4711"').expect(200);
    });
  });

  describe('RATE_LIMIT_ENABLED=false', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ env: { ...MEMORY, RATE_LIMIT_ENABLED: 'false' } });
    }, 60_000);
    afterAll(() => app?.close());

    it('lifts the limits', async () => {
      for (let i = 0; i < 10; i++) await app.http().get(ROUTE).expect(200);
    });
  });
});

const redisBin = findRedisServer();
if (!redisBin) console.warn('rate-limit: redis-server not found, skipping the Redis backend tests');
const describeRedis = redisBin ? describe : describe.skip;

describeRedis('rate limits (Redis backend, private redis-server)', () => {
  let redis: PrivateRedis;
  let a: TestApp;
  let b: TestApp;
  const backendErrors = async (app: TestApp) =>
    (await app.app.get(MetricsRegistry).rateLimitBackendErrors.get()).values[0]?.value ?? 0;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    // Two instances of one deployment: same Redis, same key prefix.
    const env = {
      REDIS_URL: redis.url,
      RATE_LIMIT_BACKEND: 'redis',
      RATE_LIMIT_DEFAULT: '3/60',
      REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}shared:`,
    };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('reports ready right after boot (the Redis connection may still be opening)', async () => {
    const fresh = await startTestApp({ env: { REDIS_URL: redis.url, RATE_LIMIT_BACKEND: 'redis' } });
    try {
      const res = await fresh.http().get('/readyz');
      expect(res.body.checks?.redis ?? res.body.info?.redis).toEqual({ status: 'up' });
      expect(res.status).toBe(200);
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('shares one budget between two instances', async () => {
    await a.http().get(ROUTE).expect(200);
    await b.http().get(ROUTE).expect(200);
    await a.http().get(ROUTE).expect(200);
    const refused = await b.http().get(ROUTE).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(55);
    await a.http().get(ROUTE).expect(429);
  });

  it('fails open when Redis dies: requests pass quickly, the backend error counter grows, /readyz names redis', async () => {
    const before = await backendErrors(a);
    await redis.stop();
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const res = await a.http().get(ROUTE);
      expect(res.status).toBe(200); // the budget was spent, yet the outage lets requests through
      expect(Date.now() - started).toBeLessThan(2500); // bounded by the 1 s Redis command timeout
    }
    expect(await backendErrors(a)).toBeGreaterThanOrEqual(before + 5);
    const ready = await waitFor(
      async () => {
        const res = await a.http().get('/readyz');
        return res.status === 503 ? res : undefined;
      },
      15_000,
      '/readyz 503 while Redis is down',
    );
    expect(ready.body.detail).toContain('redis');
  }, 60_000);

  it('limits again once Redis is back', async () => {
    await redis.start();
    for (const app of [a, b]) {
      await waitFor(
        async () => (await app.http().get('/readyz')).status === 200,
        20_000,
        '/readyz 200 again',
      );
      // the limiter has its own connection, which reconnects on its own schedule
      const limiterClient = app.app.get(RedisConnections).client('rate-limit', redis.url);
      await waitFor(() => limiterClient.status === 'ready', 20_000, 'the rate-limit Redis connection');
    }
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await (i % 2 ? b : a).http().get(ROUTE)).status);
    expect(statuses).toEqual([200, 200, 200, 429]); // the restarted Redis starts from an empty budget
  }, 60_000);
});
