import { randomUUID } from 'node:crypto';
import { ExitStatus, GroupChild, TailBuffer } from './child-process';
import { PathRefusedError, Workspace } from './workspace';

export interface TerminalRequest {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  cwd?: string | null;
  outputByteLimit?: number | null;
}

interface Terminal {
  id: string;
  command: string;
  cwd: string;
  process: GroupChild;
  output: TailBuffer;
}

export interface TerminalEvents {
  /** A process group started or ended (for the shutdown registry). */
  onStart(id: string, process: GroupChild): void;
  onExit(
    id: string,
    info: { command: string; cwd: string; status: ExitStatus; outputBytes: number; truncated: boolean },
  ): void;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The terminals of one ACP session: commands started inside the working
 * directory (never through a shell), in their own process group, output kept
 * up to a byte limit (the tail), all killed when the session ends.
 */
export class TerminalManager {
  private readonly terminals = new Map<string, Terminal>();

  constructor(
    private readonly workspace: Workspace,
    private readonly options: { maxOutputBytes: number; maxTerminals: number; baseEnv: NodeJS.ProcessEnv },
    private readonly events: TerminalEvents,
  ) {}

  get size(): number {
    return this.terminals.size;
  }

  async create(req: TerminalRequest): Promise<{ id: string; cwd: string; limit: number }> {
    if (typeof req.command !== 'string' || !req.command.trim())
      throw new PathRefusedError('command must be a non-empty string', '');
    if (this.terminals.size >= this.options.maxTerminals)
      throw new PathRefusedError(
        `at most ${this.options.maxTerminals} terminals per subagent run; release one first`,
        '',
      );
    const cwd = await this.workspace.directory(req.cwd);
    const env: NodeJS.ProcessEnv = { ...this.options.baseEnv };
    for (const v of req.env ?? []) if (ENV_NAME.test(v.name)) env[v.name] = String(v.value);
    const limit = Math.min(
      this.options.maxOutputBytes,
      req.outputByteLimit && req.outputByteLimit > 0 ? req.outputByteLimit : Infinity,
    );
    const id = `term_${randomUUID()}`;
    const process = GroupChild.start(req.command, req.args ?? [], { cwd, env });
    process.child.stdin?.end();
    const output = new TailBuffer(limit);
    process.child.stdout?.on('data', (c: Buffer) => output.push(c));
    process.child.stderr?.on('data', (c: Buffer) => output.push(c));
    const terminal: Terminal = {
      id,
      command: [req.command, ...(req.args ?? [])].join(' '),
      cwd,
      process,
      output,
    };
    this.terminals.set(id, terminal);
    this.events.onStart(id, process);
    void process.exited.then((status) =>
      this.events.onExit(id, {
        command: terminal.command,
        cwd,
        status,
        outputBytes: output.total,
        truncated: output.truncated,
      }),
    );
    return { id, cwd, limit };
  }

  private get(id: string): Terminal {
    const terminal = this.terminals.get(id);
    if (!terminal) throw new PathRefusedError(`unknown terminal: ${id}`, id);
    return terminal;
  }

  output(id: string): {
    output: string;
    truncated: boolean;
    exitStatus: { exitCode: number | null; signal: string | null } | null;
  } {
    const t = this.get(id);
    const s = t.process.exitStatus;
    return {
      output: t.output.text(),
      truncated: t.output.truncated,
      exitStatus: s ? { exitCode: s.spawnError ? 127 : s.code, signal: s.signal } : null,
    };
  }

  async waitForExit(
    id: string,
    signal: AbortSignal,
  ): Promise<{ exitCode: number | null; signal: string | null }> {
    const t = this.get(id);
    const s = await new Promise<ExitStatus | undefined>((resolve) => {
      const onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      void t.process.exited.then((status) => {
        signal.removeEventListener('abort', onAbort);
        resolve(status);
      });
    });
    if (!s) return { exitCode: null, signal: 'SIGKILL' };
    return { exitCode: s.spawnError ? 127 : s.code, signal: s.signal };
  }

  async kill(id: string): Promise<void> {
    await this.get(id).process.stop(500);
  }

  async release(id: string): Promise<void> {
    const t = this.get(id);
    this.terminals.delete(id);
    await t.process.stop(500);
  }

  /** Kills every terminal of the session and waits for them (bounded by each stop). */
  async closeAll(): Promise<void> {
    const all = [...this.terminals.values()];
    this.terminals.clear();
    await Promise.all(all.map((t) => t.process.stop(500)));
  }
}
