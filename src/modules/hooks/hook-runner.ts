import { spawn } from 'node:child_process';
import type { HookManifest } from './hook-manifest';

export type HookAction = 'allow' | 'block' | 'modify';
export type HookFailureReason = 'timeout' | 'crash' | 'invalid_output' | 'spawn_error';

export interface HookAnswer {
  action: HookAction;
  reason?: string;
  patch?: Record<string, unknown>;
}

export type HookRunResult =
  | { ok: true; answer: HookAnswer; durationMs: number }
  | { ok: false; reason: HookFailureReason; detail: string; durationMs: number };

const ACTIONS: HookAction[] = ['allow', 'block', 'modify'];

/** Environment of a hook process: no secrets of the service, only what a program needs to run. */
function hookEnv(hook: HookManifest, event: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOOK_NAME: hook.name, HOOK_EVENT: event };
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'])
    if (process.env[k]) env[k] = process.env[k];
  return env;
}

/** Parses a hook's stdout: empty = allow; otherwise `{action, reason?, patch?}`. */
export function parseAnswer(stdout: string): HookAnswer | string {
  const text = stdout.trim();
  if (!text) return { action: 'allow' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return `stdout is not JSON: ${text.slice(0, 120)}`;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    return 'stdout must be a JSON object {action, reason?, patch?}';
  const d = doc as Record<string, unknown>;
  if (!ACTIONS.includes(d.action as HookAction)) return `action must be one of ${ACTIONS.join(', ')}`;
  if (d.reason !== undefined && typeof d.reason !== 'string') return 'reason must be a string';
  if (d.patch !== undefined && (!d.patch || typeof d.patch !== 'object' || Array.isArray(d.patch)))
    return 'patch must be an object';
  return {
    action: d.action as HookAction,
    reason: d.reason as string | undefined,
    patch: d.patch as Record<string, unknown> | undefined,
  };
}

/**
 * Runs one hook: the event as JSON on stdin, the answer as JSON on stdout,
 * within timeout_ms. A hook that times out (killed with its process group),
 * exits non-zero, cannot start or answers garbage is a failure the caller skips.
 */
export function runHook(
  hook: HookManifest,
  event: string,
  input: unknown,
  opts: { timeoutMs: number; maxOutputBytes: number },
): Promise<HookRunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: HookRunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(hook.executable, hook.args, {
        cwd: hook.dir,
        env: hookEnv(hook, event),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      resolve({
        ok: false,
        reason: 'spawn_error',
        detail: (err as Error).message,
        durationMs: Date.now() - started,
      });
      return;
    }
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      kill();
      done({
        ok: false,
        reason: 'timeout',
        detail: `no answer within ${opts.timeoutMs} ms`,
        durationMs: Date.now() - started,
      });
    }, opts.timeoutMs);
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > opts.maxOutputBytes) {
        kill();
        done({
          ok: false,
          reason: 'invalid_output',
          detail: `answer larger than ${opts.maxOutputBytes} bytes`,
          durationMs: Date.now() - started,
        });
        return;
      }
      out.push(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString('utf8');
    });
    child.on('error', (err) =>
      done({ ok: false, reason: 'spawn_error', detail: err.message, durationMs: Date.now() - started }),
    );
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let stdoutEnded = false;
    const finish = () => {
      if (!exited) return;
      const { code, signal } = exited;
      if (code !== 0) {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        const tail = stderr.trim()
          ? `: ${stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`
          : '';
        done({ ok: false, reason: 'crash', detail: `${why}${tail}`, durationMs: Date.now() - started });
      } else {
        const answer = parseAnswer(Buffer.concat(out).toString('utf8'));
        if (typeof answer === 'string')
          done({ ok: false, reason: 'invalid_output', detail: answer, durationMs: Date.now() - started });
        else done({ ok: true, answer, durationMs: Date.now() - started });
      }
      kill(); // leftovers of the hook's process group
    };
    child.stdout!.on('end', () => {
      stdoutEnded = true;
      finish();
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // Normally stdout ends right after; a grandchild holding the pipe open must not keep us waiting.
      if (stdoutEnded) finish();
      else setTimeout(finish, 100).unref();
    });
    child.stdin!.on('error', () => undefined); // a hook that ignores stdin and exits early is fine
    child.stdin!.end(JSON.stringify(input));
  });
}
