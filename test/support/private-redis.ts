import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { freePort } from './ports';
import { waitFor } from './test-app';

/** A redis-server of its own on a free loopback port, for fault tests (stop it, start it again). */
export interface PrivateRedis {
  port: number;
  url: string;
  running: boolean;
  start(): Promise<void>;
  /** Kills the server (SIGKILL: an outage, not a clean shutdown) and waits for its exit. */
  stop(): Promise<void>;
}

export function findRedisServer(): string | undefined {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

/** Starts redis-server (no persistence) on a free port; throws when redis-server is not installed. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server not found');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}/0`;
  let child: ChildProcess | undefined;

  const handle: PrivateRedis = {
    port,
    url,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (handle.running) return;
      let output = '';
      child = spawn(
        bin,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout?.on('data', (d) => (output += d));
      child.stderr?.on('data', (d) => (output += d));
      try {
        await waitFor(() => handle.running && ping(url), 10_000, `redis-server on ${port}`);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${output}`);
      }
    },
    async stop() {
      if (!child || !handle.running) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
  await handle.start();
  return handle;
}
