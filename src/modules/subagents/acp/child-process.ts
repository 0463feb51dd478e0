import { ChildProcess, spawn } from 'node:child_process';

export interface ExitStatus {
  code: number | null;
  signal: string | null;
  /** Set when the executable could not be started at all (e.g. ENOENT). */
  spawnError?: string;
}

/** Keeps the last `max` bytes written to it (stderr of an agent, output of a terminal). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  total = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length) {
      const excess = this.size - this.max;
      const first = this.chunks[0];
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
      this.truncated = true;
    }
  }

  /** The kept text; a UTF-8 sequence cut at the start is dropped, not mangled. */
  text(): string {
    let buf = Buffer.concat(this.chunks);
    if (this.truncated) {
      let i = 0;
      while (i < buf.length && i < 4 && (buf[i] & 0xc0) === 0x80) i++;
      buf = buf.subarray(i);
    }
    return buf.toString('utf8');
  }
}

/** Sends a signal to a whole process group (the child and everything it started); false when the group is gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * A child process started in its own process group, so stopping it stops
 * everything it started. `stop()` sends SIGTERM to the group, then SIGKILL
 * after the grace period, and always resolves once the child has exited.
 */
export class GroupChild {
  readonly exited: Promise<ExitStatus>;
  private status?: ExitStatus;

  constructor(readonly child: ChildProcess) {
    // A pipe to a process that died answers EPIPE: that is the exit, reported by `exited`, not a crash.
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.on('error', () => undefined);
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          this.status = { code: null, signal: null, spawnError: err.code ?? err.message };
          resolve(this.status);
        }
      });
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  static start(
    command: string,
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
  ): GroupChild {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    return new GroupChild(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** SIGTERM to the group, SIGKILL after graceMs; also kills what the child left behind in its group. */
  async stop(graceMs = 1500): Promise<ExitStatus> {
    const pid = this.child.pid;
    if (pid === undefined) return this.exited;
    if (!this.status) {
      this.signal(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.signal(pid, 'SIGKILL');
    return this.exited;
  }

  /** The group; the child alone when it has not become a group leader (never a pid it no longer owns). */
  private signal(pid: number, signal: NodeJS.Signals): void {
    if (killGroup(pid, signal) || this.status) return;
    try {
      this.child.kill(signal);
    } catch {
      /* gone */
    }
  }

  /** Immediate SIGKILL of the group (shutdown path; does not wait). */
  killNow(): void {
    if (this.child.pid !== undefined) this.signal(this.child.pid, 'SIGKILL');
  }
}
