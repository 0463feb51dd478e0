import { ChildProcess, spawn } from 'node:child_process';
import { DIST_MAIN, ROOT } from './build';
import { freePort } from './ports';
import { waitFor } from './test-app';

/** The built service (`node dist/src/main.js`) running as a child process, as operators run it. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs it if it is still running. */
  kill(): Promise<void>;
}

/** Spawns the service with `env` (plus PATH) on a free port and waits for /healthz 200. Call ensureBuilt() first. */
export async function startServerProcess(
  env: Record<string, string>,
  readyTimeoutMs = 30_000,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [DIST_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env, PORT: String(port) },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const handle: ServerProcess = {
    child,
    port,
    baseUrl,
    output: () => output,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return (await fetch(`${baseUrl}/healthz`)).status === 200;
      },
      readyTimeoutMs,
      'the service to answer /healthz',
    );
  } catch (err) {
    await handle.kill();
    throw new Error(`${(err as Error).message}\n--- service output ---\n${output.slice(-3000)}`);
  }
  return handle;
}
