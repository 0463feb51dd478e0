import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import WebSocket from 'ws';
import { waitFor } from './test-app';

export interface Frame {
  type: string;
  id?: string;
  ok?: boolean;
  payload?: any;
  error?: { code: string; message: string; details?: any; retryable?: boolean; retryAfterMs?: number };
  event?: string;
  seq?: number;
  stateVersion?: { presence: number; health: number };
}

let counter = 0;

/** A plain `ws` client speaking the OpenClaw gateway protocol, recording every frame it receives. */
export class GatewayTestClient {
  readonly frames: Frame[] = [];
  closed?: { code: number; reason: string };
  challenge?: { nonce: string; ts: number };
  private readonly waiters = new Map<string, (f: Frame) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      this.frames.push(frame);
      if (frame.type === 'event' && frame.event === 'connect.challenge') this.challenge = frame.payload;
      if (frame.type === 'res' && frame.id && this.waiters.has(frame.id)) {
        this.waiters.get(frame.id)!(frame);
        this.waiters.delete(frame.id);
      }
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', () => {});
  }

  /** Opens a socket and waits for the connect.challenge. */
  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<GatewayTestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const client = new GatewayTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    });
    await waitFor(() => client.challenge, 5000, 'connect.challenge');
    return client;
  }

  get events(): Frame[] {
    return this.frames.filter((f) => f.type === 'event');
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Sends a request and waits for its response. */
  request(method: string, params?: unknown, timeoutMs = 10_000): Promise<Frame> {
    const id = `r${++counter}`;
    const frame: Record<string, unknown> = { type: 'req', id, method };
    if (params !== undefined) frame.params = params;
    return this.requestFrame(frame, timeoutMs);
  }

  requestFrame(frame: Record<string, unknown>, timeoutMs = 10_000): Promise<Frame> {
    const id = String(frame.id);
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${String(frame.method)} (${id}) within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.ws.send(JSON.stringify(frame));
    });
  }

  async waitForEvent(predicate: (f: Frame) => boolean, timeoutMs = 10_000, what = 'event'): Promise<Frame> {
    return (await waitFor(() => this.events.find(predicate), timeoutMs, what))!;
  }

  async waitForClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return (await waitFor(() => this.closed, timeoutMs, 'socket close'))!;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

export function wsUrl(baseUrl: string, query = ''): string {
  return baseUrl.replace(/^http/, 'ws') + '/' + query;
}

/** connect params of the OpenClaw CLI speaking protocol 4. */
export function cliConnect(token: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'cli', version: '2026.9.1', platform: 'linux', mode: 'cli' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write', 'operator.admin', 'operator.approvals'],
    ...(token !== undefined ? { auth: { token } } : {}),
    ...extra,
  };
}

export async function connectedClient(
  baseUrl: string,
  token: string,
  extra: Record<string, unknown> = {},
): Promise<{ client: GatewayTestClient; hello: Frame }> {
  const client = await GatewayTestClient.open(wsUrl(baseUrl));
  const hello = await client.request('connect', cliConnect(token, extra));
  if (!hello.ok) throw new Error(`connect failed: ${JSON.stringify(hello.error)}`);
  return { client, hello };
}

/** An Ed25519 device identity as OpenClaw clients hold it. */
export class TestDevice {
  readonly publicKeyRaw: Buffer;
  readonly id: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    const der = publicKey.export({ format: 'der', type: 'spki' });
    this.publicKeyRaw = der.subarray(der.length - 32);
    this.id = createHash('sha256').update(this.publicKeyRaw).digest('hex');
  }

  get publicKey(): string {
    return this.publicKeyRaw.toString('base64url');
  }

  sign(payload: string): string {
    return sign(null, Buffer.from(payload, 'utf8'), this.privateKey).toString('base64url');
  }

  /** The device block signed over the v2 payload (Mission Control). */
  blockV2(f: { clientId: string; clientMode: string; role: string; scopes: string[]; token: string; nonce: string; signedAt?: number }) {
    const signedAt = f.signedAt ?? Date.now();
    const payload = ['v2', this.id, f.clientId, f.clientMode, f.role, f.scopes.join(','), String(signedAt), f.token, f.nonce].join('|');
    return { id: this.id, publicKey: this.publicKey, signature: this.sign(payload), signedAt, nonce: f.nonce };
  }

  /** The device block signed over the v3 payload (current OpenClaw clients). */
  blockV3(f: {
    clientId: string;
    clientMode: string;
    role: string;
    scopes: string[];
    token: string;
    nonce: string;
    platform: string;
    deviceFamily?: string;
    signedAt?: number;
  }) {
    const signedAt = f.signedAt ?? Date.now();
    const payload = [
      'v3',
      this.id,
      f.clientId,
      f.clientMode,
      f.role,
      f.scopes.join(','),
      String(signedAt),
      f.token,
      f.nonce,
      f.platform.toLowerCase(),
      (f.deviceFamily ?? '').toLowerCase(),
    ].join('|');
    return { id: this.id, publicKey: this.publicKey, signature: this.sign(payload), signedAt, nonce: f.nonce };
  }
}
