import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { RedisConfig } from '../../config/redis.config';
import { RedisConnections } from '../redis/redis-connections';
import { EventMap, EventType } from './event-map';

const SUBSCRIBE_WAIT_MS = 2000;
const FAN_OUT_WARNING_INTERVAL_MS = 60_000;

interface Envelope {
  origin: string;
  type: EventType;
  payload: unknown;
}

/**
 * Typed publish/subscribe. In-process always; with REDIS_URL every event is
 * also published to Redis and re-emitted on the other replicas, so a socket on
 * replica A sees a run executing on replica B. Handlers run synchronously and
 * must not block: slow consumers keep their own bounded buffers.
 */
@Injectable()
export class EventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');
  private readonly emitter = new EventEmitter();
  private readonly origin = randomUUID();
  private publisher?: Redis;
  private subscriber?: Redis;
  private fanOutWarnedAt = 0;
  private fanOutFailuresSinceWarning = 0;

  private readonly channel: string;

  constructor(
    private readonly redis: RedisConnections,
    redisConfig: RedisConfig,
  ) {
    this.emitter.setMaxListeners(0);
    this.channel = `${redisConfig.keyPrefix}events`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis.configured) return;
    this.publisher = this.redis.client('events-publisher');
    this.subscriber = this.redis.client('subscriber');
    this.subscriber.on('message', (_channel: string, raw: string) => this.onRemote(raw));
    // Redis being down must not stop the service from booting: wait briefly for
    // the subscription, then let ioredis finish it (and resubscribe) on reconnect.
    const subscribed = this.subscriber.subscribe(this.channel).then(
      () => true,
      (err: Error) => {
        this.logger.warn(`cannot subscribe to ${this.channel}: ${err.message}`);
        return false;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      subscribed,
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!ok) this.logger.warn(`Redis unavailable: events stay on this replica until it reconnects`);
  }

  publish<K extends EventType>(type: K, payload: EventMap[K]): void {
    this.emitLocal(type, payload);
    if (!this.publisher) return;
    const envelope: Envelope = { origin: this.origin, type, payload };
    this.publisher
      .publish(this.channel, JSON.stringify(envelope))
      .catch((err) => this.fanOutFailed(type, err));
  }

  subscribe<K extends EventType>(type: K, handler: (payload: EventMap[K]) => void): () => void {
    this.emitter.on(type, handler as (p: unknown) => void);
    return () => this.emitter.off(type, handler as (p: unknown) => void);
  }

  /** True when events reach other replicas. */
  get distributed(): boolean {
    return !!this.publisher;
  }

  /** One warning a minute while Redis is away (periodic events such as presence reports would repeat it). */
  private fanOutFailed(type: EventType, err: unknown): void {
    const now = Date.now();
    if (now - this.fanOutWarnedAt < FAN_OUT_WARNING_INTERVAL_MS) {
      this.fanOutFailuresSinceWarning++;
      return;
    }
    const more = this.fanOutFailuresSinceWarning
      ? ` (and ${this.fanOutFailuresSinceWarning} more since the last warning)`
      : '';
    this.fanOutWarnedAt = now;
    this.fanOutFailuresSinceWarning = 0;
    this.logger.warn(`event ${type} not fanned out to other replicas: ${(err as Error).message}${more}`);
  }

  private onRemote(raw: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw);
    } catch {
      return;
    }
    if (envelope.origin === this.origin) return;
    this.emitLocal(envelope.type, envelope.payload as never);
  }

  private emitLocal<K extends EventType>(type: K, payload: EventMap[K]): void {
    for (const listener of this.emitter.listeners(type)) {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (err) {
        this.logger.error({ err }, `event handler for ${type} failed`);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.subscriber?.unsubscribe(this.channel).catch(() => {});
  }
}
