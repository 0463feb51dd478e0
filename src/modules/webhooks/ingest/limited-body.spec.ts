import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { BodyTooLargeError, readLimitedBody } from './limited-body';

/** A request whose body the test pushes chunk by chunk. */
function fakeRequest(headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

describe('readLimitedBody', () => {
  it('returns the body when it is exactly the limit', async () => {
    const req = fakeRequest();
    const pending = readLimitedBody(req, { limit: 10, timeoutMs: 1000 });
    req.push(Buffer.from('12345'));
    req.push(Buffer.from('67890'));
    req.push(null);
    expect((await pending).toString()).toBe('1234567890');
  });

  it('refuses on the chunk that crosses the limit, without waiting for the end or keeping more', async () => {
    const req = fakeRequest();
    const pending = readLimitedBody(req, { limit: 10, timeoutMs: 1000, drainBytes: 100 });
    req.push(Buffer.from('1234567890'));
    req.push(Buffer.from('X'));
    await expect(pending).rejects.toBeInstanceOf(BodyTooLargeError);
    // The rest is read and dropped (never collected): the stream keeps flowing until the drain budget.
    req.push(Buffer.alloc(50));
    req.push(null);
  });

  it('refuses at once when Content-Length already says too much', async () => {
    const req = fakeRequest({ 'content-length': '11' });
    await expect(readLimitedBody(req, { limit: 10, timeoutMs: 1000 })).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('does not trust a small Content-Length: the stream is what is counted', async () => {
    const req = fakeRequest({ 'content-length': '2' });
    const pending = readLimitedBody(req, { limit: 4, timeoutMs: 1000 });
    req.push(Buffer.from('123456'));
    await expect(pending).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('gives up on a body that does not arrive in time', async () => {
    const req = fakeRequest();
    await expect(readLimitedBody(req, { limit: 10, timeoutMs: 50, drainMs: 10 })).rejects.toThrow(/within 50 ms/);
  });
});
