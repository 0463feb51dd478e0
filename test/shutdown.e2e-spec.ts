import { connect, Socket } from 'node:net';
import { ensureBuilt } from './support/build';
import { ServerProcess, startServerProcess } from './support/server-process';
import { testEnv, waitFor } from './support/test-app';
import { backendIndependentSkipped } from './support/skip';

const GRACE_MS = 3000;
/** Drain and HTTP close are each bounded by the grace period; the rest is process teardown. */
const EXIT_BOUND_MS = 2 * GRACE_MS + 3000;

/**
 * A request the server has started (it answered `100 Continue` to the headers)
 * whose body is still on its way: in flight until `finish()` sends the rest.
 */
async function startSlowRequest(port: number, pipelined = '') {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => (received += d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const body = JSON.stringify({ note: 'x'.repeat(200) });
  socket.write(
    'GET /api/health HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n${body.slice(0, 20)}`,
  );
  await waitFor(() => received.includes('100 Continue'), 10_000, 'the server to start the request');
  return {
    received: () => received,
    closed,
    finish: () => socket.write(body.slice(20) + pipelined),
    destroy: () => socket.destroy(),
  };
}

async function connectionRefused(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch (err) {
    return /ECONNREFUSED/.test(String((err as { cause?: unknown }).cause ?? err));
  }
}

const describeShutdown = backendIndependentSkipped('shutdown') ? describe.skip : describe;

describeShutdown('graceful shutdown on SIGTERM (built service)', () => {
  let server: ServerProcess | undefined;
  beforeAll(() => ensureBuilt(), 240_000);
  afterEach(() => server?.kill());

  it('lets the in-flight request finish, answers /readyz 503 while draining, and exits 0', async () => {
    server = await startServerProcess(
      testEnv({ SHUTDOWN_GRACE_MS: String(GRACE_MS) }) as Record<string, string>,
    );
    const readyzOnSameConnection = 'GET /readyz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n';
    const slow = await startSlowRequest(server.port, readyzOnSameConnection);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // new connections are refused while the started request is still being served
    await waitFor(() => connectionRefused(server!.port), 10_000, 'the listener to close');
    expect(server.child.exitCode).toBeNull();

    slow.finish();
    await slow.closed;
    const responses = slow.received().split(/(?=HTTP\/1\.1 )/);
    const answer = responses.find((r) => r.startsWith('HTTP/1.1 200'));
    expect(answer).toBeDefined(); // the in-flight request got its full answer
    expect(answer).toContain('"status":"draining"'); // /api/health reports the drain too
    // the request that came in on the open connection after SIGTERM saw the readiness probe fail
    const readyz = responses.find((r) => r.includes('/problem+json'));
    expect(readyz).toMatch(/^HTTP\/1\.1 503/);
    expect(readyz).toContain('shutting down');

    const { code, signal } = await server.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(EXIT_BOUND_MS);
  }, 90_000);

  it('does not wait past SHUTDOWN_GRACE_MS for a request that never finishes', async () => {
    server = await startServerProcess(
      testEnv({ SHUTDOWN_GRACE_MS: String(GRACE_MS) }) as Record<string, string>,
    );
    const stuck = await startSlowRequest(server.port);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    const took = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(GRACE_MS - 100); // it did wait for the request…
    expect(took).toBeLessThan(EXIT_BOUND_MS); // …but not forever
    await stuck.closed; // and the connection was closed, not left hanging
  }, 90_000);
});
