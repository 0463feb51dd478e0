import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { TestApp } from './test-app';

export const ADMIN_HEADERS = (key: string) => ({ Authorization: `Bearer ${key}` });

export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export interface RawPostOptions {
  headers?: Record<string, string>;
  /** Sent one write each; without `contentLength` the request is chunked (no Content-Length). */
  chunks: Buffer[];
  /** Content-Length to declare; omit for chunked transfer. */
  contentLength?: number;
}

/**
 * POST with node:http, so the test controls Content-Length and chunking. Resolves
 * with the response even when the server answers before the body is sent
 * (write errors after an early answer are ignored, as a real client would).
 */
export function rawPost(baseUrl: string, path: string, options: RawPostOptions): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', ...options.headers };
    if (options.contentLength !== undefined) headers['Content-Length'] = options.contentLength;
    else headers['Transfer-Encoding'] = 'chunked';
    let answered = false;
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    (async () => {
      for (const chunk of options.chunks) {
        if (answered || req.destroyed) return;
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => {});
  });
}

/**
 * Speaks HTTP/1.1 over a plain TCP socket: the head exactly as given (so it may
 * declare a Content-Length that does not match), then `body`. Returns every
 * byte the server sent back until it closed the connection or `idleMs` passed.
 */
export function rawSocketExchange(port: number, head: string, body: Buffer, idleMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    };
    socket.on('connect', () => {
      socket.write(head);
      socket.write(body, () => arm());
    });
    socket.on('data', (d) => {
      received += d.toString('latin1');
      arm();
    });
    socket.on('error', (err) => (received ? finish() : reject(err)));
    socket.on('close', finish);
  });
}

/** Status codes of every HTTP response in a raw byte stream. */
export function statusesIn(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

export async function createWebhook(app: TestApp, auth: Record<string, string>, body: Record<string, unknown>): Promise<any> {
  const res = await app.http().post('/api/webhooks').set(auth).send(body);
  if (res.status !== 201) throw new Error(`creating webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
