/**
 * Frames of the OpenClaw gateway protocol (GATEWAY_PROTOCOL.md): JSON text
 * frames, one object each. Field names are the wire names; clients validate them.
 */

export const PROTOCOL_VERSIONS = [3, 4] as const;
export const HIGHEST_PROTOCOL = 4;
export const LOWEST_PROTOCOL = 3;

/** hello-ok.snapshot.sessionDefaults: the built-in agent `main` and its main session. */
export const SESSION_DEFAULTS = { defaultAgentId: 'main', mainKey: 'main', mainSessionKey: 'agent:main:main' } as const;

/** Frames before `connect` completes may not exceed this (bytes). */
export const PRE_AUTH_MAX_PAYLOAD = 64 * 1024;

/** Params nested deeper than this are refused before any handler sees them. */
export const MAX_PARAMS_DEPTH = 32;

export const CloseCodes = {
  normal: 1000,
  protocolError: 1002,
  policyViolation: 1008,
  messageTooBig: 1009,
  serviceRestart: 1012,
  tryAgainLater: 1013,
} as const;

export interface RequestFrame {
  type: 'req';
  id: string;
  method: string;
  params?: unknown;
  traceparent?: string;
}

export interface ErrorShape {
  code: GatewayErrorCode;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

export interface ResponseFrame {
  type: 'res';
  id: string;
  ok: boolean;
  payload?: unknown;
  error?: ErrorShape;
}

export interface EventFrame {
  type: 'event';
  event: string;
  payload?: unknown;
  seq?: number;
  stateVersion?: { presence: number; health: number };
}

export type GatewayErrorCode =
  | 'INVALID_REQUEST'
  | 'NOT_PAIRED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'AGENT_TIMEOUT'
  | 'PROTOCOL_MISMATCH';

/** The outcome of decoding one inbound frame. */
export type Decoded =
  | { kind: 'request'; frame: RequestFrame }
  /** Invalid, but it carries an id the client can match: answer with an error. */
  | { kind: 'invalid'; id: string; message: string }
  /** Invalid and anonymous (no usable id): nothing to answer. */
  | { kind: 'garbage'; reason: string };

function usableId(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= 256) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Maximum nesting depth of a JSON value, computed without recursion (safe for any input). */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
    }
  }
  return max;
}

/**
 * Decodes one frame. Never throws: anything a client sends maps to a request,
 * an answerable error (it has an id), or anonymous garbage.
 */
export function decodeFrame(data: Buffer | ArrayBuffer | Buffer[] | string, isBinary: boolean): Decoded {
  const text = typeof data === 'string' ? data : toBuffer(data).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'garbage', reason: isBinary ? 'binary frame' : 'frame is not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { kind: 'garbage', reason: 'frame is not a JSON object' };
  }
  const obj = parsed as Record<string, unknown>;
  const id = usableId(obj.id);
  if (id === undefined) return { kind: 'garbage', reason: 'frame has no id' };
  if (isBinary) return { kind: 'invalid', id, message: 'binary frames are not supported: send JSON text frames' };
  if (typeof obj.id !== 'string') return { kind: 'invalid', id, message: 'invalid request frame: id must be a non-empty string' };
  if (obj.type !== 'req') {
    return { kind: 'invalid', id, message: `unknown frame type: ${describeType(obj.type)} (expected "req")` };
  }
  if (typeof obj.method !== 'string' || obj.method.length === 0) {
    return { kind: 'invalid', id, message: 'invalid request frame: method must be a non-empty string' };
  }
  if (obj.method.length > 128) return { kind: 'invalid', id, message: 'invalid request frame: method is too long' };
  if (obj.traceparent !== undefined && typeof obj.traceparent !== 'string') {
    return { kind: 'invalid', id, message: 'invalid request frame: traceparent must be a string' };
  }
  if (jsonDepth(obj.params, MAX_PARAMS_DEPTH) > MAX_PARAMS_DEPTH) {
    return { kind: 'invalid', id, message: `invalid request frame: params nested deeper than ${MAX_PARAMS_DEPTH} levels` };
  }
  const frame: RequestFrame = { type: 'req', id: obj.id, method: obj.method };
  if (obj.params !== undefined) frame.params = obj.params;
  if (typeof obj.traceparent === 'string') frame.traceparent = obj.traceparent;
  return { kind: 'request', frame };
}

function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.length > 40 ? `${type.slice(0, 40)}…` : type);
  return type === undefined ? '(missing)' : typeof type;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function okResponse(id: string, payload: unknown): ResponseFrame {
  return { type: 'res', id, ok: true, payload };
}

export function errorResponse(id: string, error: ErrorShape): ResponseFrame {
  return { type: 'res', id, ok: false, error };
}
