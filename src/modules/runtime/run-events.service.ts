import { Injectable } from '@nestjs/common';
import { EventBus } from '../../common/events/event-bus';
import { EventMap } from '../../common/events/event-map';

export type RunEventType = 'chat' | 'agent' | 'run.finished' | 'sessions.changed';

export interface RunEventFilter {
  organizationId: string;
  sessionKey?: string;
  runId?: string;
  types?: RunEventType[];
}

export type RunEvent = { [K in RunEventType]: { type: K; payload: EventMap[K] } }[RunEventType];

export interface SubscribeOptions {
  /** Events buffered for a slow subscriber before it is dropped (default 1000). */
  maxBuffered?: number;
  /** Called once when the subscriber is dropped (slow consumer, handler error). */
  onDrop?: (reason: string) => void;
}

export interface RunEventSubscription {
  unsubscribe(): void;
  /** Why the subscriber was dropped, once it was. */
  readonly dropped: string | undefined;
  /** Events waiting for the handler. */
  readonly buffered: number;
}

const ALL_TYPES: RunEventType[] = ['chat', 'agent', 'run.finished', 'sessions.changed'];

function matches(
  filter: RunEventFilter,
  payload: { organizationId: string; sessionKey: string; runId?: string; payload?: any },
): boolean {
  if (payload.organizationId !== filter.organizationId) return false;
  if (filter.sessionKey && payload.sessionKey !== filter.sessionKey) return false;
  if (filter.runId && (payload.runId ?? payload.payload?.runId) !== filter.runId) return false;
  return true;
}

/**
 * Run events for one subscriber (a WebSocket, an SSE stream, a test), local or
 * from other replicas. Each subscriber has its own bounded buffer: the bus and
 * the run never wait for it, and one that falls more than maxBuffered events
 * behind is dropped with a reason instead of growing memory.
 */
@Injectable()
export class RunEventsService {
  constructor(private readonly bus: EventBus) {}

  subscribe(
    filter: RunEventFilter,
    onEvent: (event: RunEvent) => void | Promise<void>,
    options: SubscribeOptions = {},
  ): RunEventSubscription {
    const maxBuffered = Math.max(1, options.maxBuffered ?? 1000);
    const queue: RunEvent[] = [];
    let dropped: string | undefined;
    let draining = false;
    let closed = false;

    const close = () => {
      if (closed) return;
      closed = true;
      queue.length = 0;
      unsubscribers.forEach((u) => u());
    };
    const drop = (reason: string) => {
      if (dropped || closed) return;
      dropped = reason;
      close();
      try {
        options.onDrop?.(reason);
      } catch {
        /* the subscriber is gone either way */
      }
    };
    const drain = async () => {
      draining = true;
      try {
        while (queue.length && !closed) {
          const event = queue.shift()!;
          try {
            const result = onEvent(event);
            if (result && typeof (result as Promise<void>).then === 'function') await result;
          } catch (err) {
            drop(`subscriber failed: ${(err as Error)?.message ?? String(err)}`);
          }
        }
      } finally {
        draining = false;
      }
    };
    const push = (event: RunEvent) => {
      if (closed) return;
      if (queue.length >= maxBuffered) {
        drop(`slow subscriber: more than ${maxBuffered} events waiting`);
        return;
      }
      queue.push(event);
      if (!draining) void drain();
    };

    const unsubscribers = (filter.types?.length ? filter.types : ALL_TYPES).map((type) =>
      this.bus.subscribe(type, (payload: EventMap[typeof type]) => {
        if (matches(filter, payload as never)) push({ type, payload } as RunEvent);
      }),
    );

    return {
      unsubscribe: close,
      get dropped() {
        return dropped;
      },
      get buffered() {
        return queue.length;
      },
    };
  }
}
