import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes`);
  }
}
export class BodyTimeoutError extends Error {}
export class BodyAbortedError extends Error {}

export interface LimitedBodyOptions {
  limit: number;
  timeoutMs: number;
  /** After a refusal, how many more bytes are read and thrown away so the client sees the answer. */
  drainBytes?: number;
  /** …and for how long, before the connection is cut. */
  drainMs?: number;
}

/**
 * Reads a request body, counting bytes as chunks arrive. The moment the count
 * passes `limit` it stops collecting (at most limit + one chunk is ever held),
 * rejects with BodyTooLargeError, and lets go of what it held. A declared
 * Content-Length over the limit is refused before any byte is read; a missing
 * or lying one changes nothing, because the stream is what gets counted.
 *
 * After a refusal the rest of the request is discarded (never stored) up to
 * `drainBytes`/`drainMs`, so an ordinary client reads the 413 instead of a
 * connection reset; beyond that the socket is destroyed.
 */
export function readLimitedBody(req: IncomingMessage, options: LimitedBodyOptions): Promise<Buffer> {
  const { limit, timeoutMs } = options;
  const drainBytes = options.drainBytes ?? Math.max(limit, 64 * 1024);
  const drainMs = options.drainMs ?? 5_000;

  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;

    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: Error, drain: boolean) => {
      if (settled) return;
      settled = true;
      cleanup();
      chunks = [];
      if (drain) discardRest(req, drainBytes, drainMs);
      else req.socket?.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(new BodyTooLargeError(limit), true);
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => fail(new BodyAbortedError(err.message), false);
    const onClose = () => {
      if (!req.complete) fail(new BodyAbortedError('connection closed before the body was complete'), false);
    };
    const timer = setTimeout(() => fail(new BodyTimeoutError(`no complete body within ${timeoutMs} ms`), true), timeoutMs);

    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      fail(new BodyTooLargeError(limit), true);
      return;
    }
    if (req.readableEnded) {
      onEnd();
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Reads and drops the rest of a refused request, within a byte and time budget. */
function discardRest(req: IncomingMessage, maxBytes: number, maxMs: number): void {
  if (req.readableEnded || req.destroyed) return;
  let seen = 0;
  const cut = () => {
    clearTimeout(timer);
    req.off('data', onData);
    req.socket?.destroy();
  };
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) cut();
  };
  const timer = setTimeout(cut, maxMs);
  timer.unref();
  req.on('data', onData);
  req.once('end', () => {
    clearTimeout(timer);
    req.off('data', onData);
  });
  req.resume();
}
