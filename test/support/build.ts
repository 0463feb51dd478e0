import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const DIST_MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const CLI_BIN = join(ROOT, 'bin', 'clawcontrol.js');
/** The compiled CLI: tests run it directly so a concurrent source edit does not trigger a rebuild mid-test. */
export const CLI_MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * Compiles the tree when sources changed (scripts/build-if-needed.js), for tests
 * that spawn the built service or CLI. tsc emits even when some file of the tree
 * has a type error (typecheck reports those); the tests then run the emitted code.
 */
export function ensureBuilt(): void {
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (err) {
    if (!existsSync(DIST_MAIN)) throw err;
    const out = String((err as { stdout?: Buffer }).stdout ?? '').slice(0, 2000);
    console.warn(`build reported type errors; running the emitted JavaScript anyway\n${out}`);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` to completion with the given environment (not merged with process.env). */
export function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
