import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';

/** Bridge metrics: open sockets, refused upgrades/handshakes/sockets by reason, requests by method. */
@Injectable()
export class GatewayMetrics {
  readonly connections: Gauge;
  readonly handshakes: Gauge;
  readonly rejects: Counter<'reason'>;
  readonly requests: Counter<'method' | 'outcome'>;
  readonly events: Counter<'event'>;

  constructor(metrics: MetricsRegistry) {
    this.connections = metrics.gauge({ name: 'ws_connections', help: 'Open WebSocket bridge connections (any state)' });
    this.handshakes = metrics.gauge({
      name: 'ws_handshakes_pending',
      help: 'Bridge sockets that have not completed connect yet',
    });
    this.rejects = metrics.counter({
      name: 'ws_rejected_total',
      help: 'WebSocket upgrades, handshakes and sockets refused or dropped by the bridge, by reason',
      labelNames: ['reason'],
    });
    this.requests = metrics.counter({
      name: 'ws_requests_total',
      help: 'Bridge RPC requests by method and outcome (ok or the error code)',
      labelNames: ['method', 'outcome'],
    });
    this.events = metrics.counter({
      name: 'ws_events_total',
      help: 'Bridge events sent to clients, by event name',
      labelNames: ['event'],
    });
  }

  private readonly requestChildren = new Map<string, { inc(): void }>();

  /** Counts one request (label children cached: this is on every request's path). */
  request(method: string, outcome: string): void {
    const key = `${method}|${outcome}`;
    let child = this.requestChildren.get(key);
    if (!child) this.requestChildren.set(key, (child = this.requests.labels({ method, outcome })));
    child.inc();
  }

  rejected(reason: string): void {
    this.rejects.inc({ reason });
  }

  setConnections(total: number, authenticated: number): void {
    this.connections.set(total);
    this.handshakes.set(Math.max(0, total - authenticated));
  }
}
