import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { RedisConfig } from '../../config/redis.config';

/**
 * Opens ioredis clients that fail fast instead of queueing commands while
 * Redis is away, so callers can fail open. One client per purpose (commands,
 * pub, sub), all closed at shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly clients = new Map<string, Redis>();

  constructor(private readonly config: RedisConfig) {}

  get configured(): boolean {
    return !!this.config.url;
  }

  client(purpose: string, url = this.config.url): Redis {
    if (!url) throw new Error('REDIS_URL is not set');
    const key = `${purpose}|${url}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new Redis(url, safeOptions(purpose === 'subscriber'));
      let lastWarn = 0;
      client.on('error', (err) => {
        if (Date.now() - lastWarn > 10_000) {
          lastWarn = Date.now();
          this.logger.warn(`redis (${purpose}) error: ${err.message}`);
        }
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * PINGs Redis. Commands fail at once while a client is not connected (no
   * offline queue), so a client still connecting (the first check after boot,
   * or after a reconnect) is given up to `connectWaitMs` to get there.
   */
  async ping(connectWaitMs = 1500): Promise<void> {
    const client = this.client('commands');
    if (client.status !== 'ready') await untilReady(client, connectWaitMs);
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.quit().catch(() => c.disconnect())));
    this.clients.clear();
  }
}

export function safeOptions(subscriber = false): RedisOptions {
  return {
    lazyConnect: false,
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: subscriber ? null : 1,
    commandTimeout: subscriber ? undefined : 1000,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
}

function untilReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(new Error(`not connected (${client.status})`)), timeoutMs);
    client.once('ready', onReady);
  });
}
