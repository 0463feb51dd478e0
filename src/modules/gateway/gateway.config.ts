import { IsInt, Matches, Max, Min } from 'class-validator';
import { EnvVar } from '../../config/env-var.decorator';

const WINDOW = /^\d+\/\d+$/;
const WINDOW_MSG = { message: 'must be <count>/<seconds>, e.g. 300/10' };

/** Limits and timers of the OpenClaw-compatible WebSocket bridge served at `GET /`. */
export class GatewayConfig {
  @EnvVar({
    name: 'MAX_WEBSOCKET_CONNECTIONS',
    doc: 'Open bridge sockets per replica; upgrades beyond it are refused with HTTP 503',
    default: '1000',
  })
  @IsInt()
  @Min(1)
  maxConnections: number;

  @EnvVar({
    name: 'GATEWAY_HANDSHAKE_TIMEOUT_MS',
    doc: 'A socket that has not completed `connect` within this time is closed (1008)',
    default: '15000',
  })
  @IsInt()
  @Min(100)
  handshakeTimeoutMs: number;

  @EnvVar({ name: 'GATEWAY_TICK_INTERVAL_MS', doc: 'Interval of the `tick` event sent to connected clients', default: '30000' })
  @IsInt()
  @Min(100)
  tickIntervalMs: number;

  @EnvVar({
    name: 'GATEWAY_HEARTBEAT_INTERVAL_MS',
    doc: 'WebSocket ping interval; a socket that misses one pong is considered dead and dropped',
    default: '30000',
  })
  @IsInt()
  @Min(100)
  heartbeatIntervalMs: number;

  @EnvVar({
    name: 'GATEWAY_MAX_PAYLOAD_BYTES',
    doc: 'Largest frame accepted after `connect` (bigger frames close the socket with 1009)',
    default: '1048576',
  })
  @IsInt()
  @Min(65536)
  @Max(67108864)
  maxPayloadBytes: number;

  @EnvVar({
    name: 'GATEWAY_MAX_BUFFERED_BYTES',
    doc: 'Unsent bytes allowed per socket; a client that stops reading past this is disconnected',
    default: '4194304',
  })
  @IsInt()
  @Min(16384)
  maxBufferedBytes: number;

  @EnvVar({
    name: 'GATEWAY_RATE_LIMIT',
    doc: 'Requests per connection as <count>/<seconds> (token bucket); excess answers UNAVAILABLE with retryAfterMs',
    default: '300/10',
  })
  @Matches(WINDOW, WINDOW_MSG)
  requestRate: string;

  @EnvVar({
    name: 'GATEWAY_CONNECT_FAILURE_LIMIT',
    doc: 'Failed connects per client IP as <count>/<seconds> before further connects are refused',
    default: '10/60',
  })
  @Matches(WINDOW, WINDOW_MSG)
  connectFailureLimit: string;
}
