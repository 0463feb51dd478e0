import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { Principal, Scope } from '../../../common/context/principal';
import { ConnectClient } from '../handshake/connect-params';
import { EventFrame, ResponseFrame } from '../protocol/frames';
import { TokenBucket } from './token-bucket';

export type ConnectionState = 'handshake' | 'connecting' | 'open' | 'closed';

/** What the server needs from a connection to account for it (metrics, slow consumers). */
export interface ConnectionHooks {
  maxBufferedBytes: number;
  onSlowConsumer(conn: GatewayConnection): void;
}

/** Runs this socket started in one request; their events wait until the response is sent. */
export class RunStartScope {
  starts = 0;
  readonly runIds: string[] = [];
}

const MAX_TRACKED_RUNS = 1024;

/** Payload objects answered repeatedly (the cached health snapshot) are serialized once. */
const serializedPayloads = new WeakMap<object, string>();

function serializeResponse(frame: ResponseFrame): string {
  const payload = frame.payload;
  if (!frame.ok || payload === null || typeof payload !== 'object' || !Object.isFrozen(payload)) return JSON.stringify(frame);
  let json = serializedPayloads.get(payload);
  if (json === undefined) serializedPayloads.set(payload, (json = JSON.stringify(payload)));
  return `{"type":"res","id":${JSON.stringify(frame.id)},"ok":true,"payload":${json}}`;
}
const MAX_PENDING_EVENTS = 512;
const TERMINAL_STATES = new Set(['final', 'error', 'aborted']);

/** One bridge socket: handshake state, identity after `connect`, per-connection seq, run routing. */
export class GatewayConnection {
  readonly connId = randomUUID();
  readonly nonce = randomUUID();
  readonly connectedAt = Date.now();
  state: ConnectionState = 'handshake';
  alive = true;
  principal?: Principal;
  client?: ConnectClient;
  protocol?: number;
  grantedScopes: Scope[] = [];
  deviceId?: string;
  /** Asked for every run of the organization (`sessions.subscribe`). */
  subscribed = false;
  handshakeTimer?: NodeJS.Timeout;
  /** `?token=` of the upgrade URL, kept only until `connect` completes. */
  queryToken?: string;
  bucket?: TokenBucket;
  private seq = 0;
  private requests = 0;
  private corked = false;
  private runs?: Set<string>;
  private pendingStarts = 0;
  private pendingEvents?: { runId: string; frame: EventFrame }[];

  constructor(
    readonly ws: WebSocket,
    readonly ip: string,
    private readonly hooks: ConnectionHooks,
  ) {}

  get organizationId(): string | undefined {
    return this.principal?.organizationId;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  hasScope(scope: Scope): boolean {
    return !!this.principal?.scopes.has(scope);
  }

  sendResponse(frame: ResponseFrame): boolean {
    return this.sendRaw(serializeResponse(frame));
  }

  sendEvent(event: string, payload: unknown, stateVersion?: { presence: number; health: number }): boolean {
    const frame: EventFrame = { type: 'event', event, payload, seq: ++this.seq };
    if (stateVersion) frame.stateVersion = stateVersion;
    return this.sendRaw(JSON.stringify(frame));
  }

  /** The same event with its payload already serialized (a broadcast serializes once for every socket). */
  sendEventJson(event: string, payloadJson: string, stateVersionJson?: string): boolean {
    const state = stateVersionJson ? `,"stateVersion":${stateVersionJson}` : '';
    return this.sendRaw(`{"type":"event","event":${JSON.stringify(event)},"payload":${payloadJson},"seq":${++this.seq}${state}}`);
  }

  /**
   * Sends unless the client stopped reading: when the unsent backlog would pass
   * maxBufferedBytes the socket is dropped, so a slow reader never grows memory.
   */
  sendRaw(data: string): boolean {
    const ws = this.ws;
    if (ws.readyState !== 1 /* OPEN */) return false;
    const buffered = ws.bufferedAmount;
    // A UTF-16 unit is at most 3 UTF-8 bytes: count exactly only near the limit.
    if (buffered + data.length * 3 > this.hooks.maxBufferedBytes && buffered + Buffer.byteLength(data) > this.hooks.maxBufferedBytes) {
      this.hooks.onSlowConsumer(this);
      return false;
    }
    this.corkUntilNextTick();
    ws.send(data);
    return true;
  }

  /**
   * Frames sent in the same tick (answers to pipelined requests, a burst of
   * events) leave in one write instead of one syscall each: the socket stays
   * corked until the current microtasks have run.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** A per-connection request id: unique without a random draw per request. */
  nextRequestId(): string {
    return `${this.connId}:${++this.requests}`;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reason);
  }

  // ---- run routing -------------------------------------------------------

  /** A request is about to start a run: hold back events of runs not yet known until its response is sent. */
  beginRunStart(scope: RunStartScope): void {
    scope.starts++;
    this.pendingStarts++;
  }

  /** Called once the request's response was sent: track its runs and flush the events that arrived meanwhile. */
  settleRunStarts(scope: RunStartScope): void {
    if (scope.starts === 0) return;
    this.pendingStarts = Math.max(0, this.pendingStarts - scope.starts);
    scope.starts = 0;
    for (const runId of scope.runIds) this.trackRun(runId);
    const pending = this.pendingEvents;
    if (pending && scope.runIds.length) {
      const wanted = new Set(scope.runIds);
      this.pendingEvents = pending.filter((p) => !wanted.has(p.runId));
      for (const p of pending) if (wanted.has(p.runId)) this.deliverRunEvent(p.runId, p.frame.event, p.frame.payload);
    }
    if (this.pendingStarts === 0) this.pendingEvents = undefined;
  }

  private trackRun(runId: string): void {
    this.runs ??= new Set();
    if (this.runs.size >= MAX_TRACKED_RUNS) this.runs.delete(this.runs.values().next().value as string);
    this.runs.add(runId);
  }

  /** Routes one `chat`/`agent` event of this organization: runs this socket started, or everything when subscribed. */
  offerRunEvent(runId: string, event: string, payload: Record<string, unknown>): void {
    if (this.state !== 'open') return;
    if (this.runs?.has(runId) || (this.subscribed && this.hasScope('operator.read'))) {
      this.deliverRunEvent(runId, event, payload);
      return;
    }
    if (this.pendingStarts > 0) {
      this.pendingEvents ??= [];
      if (this.pendingEvents.length >= MAX_PENDING_EVENTS) this.pendingEvents.shift();
      this.pendingEvents.push({ runId, frame: { type: 'event', event, payload } });
    }
  }

  private deliverRunEvent(runId: string, event: string, payload: unknown): void {
    this.sendEvent(event, payload);
    if (event === 'chat' && TERMINAL_STATES.has(String((payload as { state?: unknown })?.state))) {
      this.runs?.delete(runId);
    }
  }
}
