import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** A file or terminal request that would leave the working directory (or break a limit). */
export class PathRefusedError extends Error {
  constructor(
    message: string,
    readonly requested: string,
  ) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The chat's working directory. Every path an ACP agent names is resolved to
 * its real location (symlinks followed) and refused unless it stays inside.
 */
export class Workspace {
  private constructor(readonly root: string) {}

  /** Creates the directory when missing and pins its real path. */
  static async open(dir: string): Promise<Workspace> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new Workspace(await realpath(dir));
  }

  /** For logs: the path relative to the working directory. */
  display(path: string): string {
    const rel = relative(this.root, path);
    return rel === '' ? '.' : rel;
  }

  private lexical(requested: string): string {
    if (typeof requested !== 'string' || requested === '' || requested.includes('\0'))
      throw new PathRefusedError('path must be a non-empty string', String(requested));
    const path = resolve(this.root, requested);
    if (!inside(this.root, path))
      throw new PathRefusedError(`path is outside the working directory: ${requested}`, requested);
    return path;
  }

  /** An existing file or directory inside the working directory (after following symlinks). */
  async existing(requested: string): Promise<string> {
    const path = this.lexical(requested);
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new PathRefusedError(`no such file: ${requested}`, requested);
      throw err;
    }
    if (!inside(this.root, real))
      throw new PathRefusedError(
        `path leads outside the working directory (symlink): ${requested}`,
        requested,
      );
    return real;
  }

  /** Reads a text file, at most maxBytes; line (1-based) and limit select lines. */
  async readText(
    requested: string,
    maxBytes: number,
    line?: number | null,
    limit?: number | null,
  ): Promise<{ path: string; content: string }> {
    const path = await this.existing(requested);
    const info = await stat(path);
    if (!info.isFile()) throw new PathRefusedError(`not a regular file: ${requested}`, requested);
    if (info.size > maxBytes)
      throw new PathRefusedError(
        `file is larger than ${maxBytes} bytes (subagents.acp.max_file_bytes): ${requested}`,
        requested,
      );
    let content = await readFile(path, 'utf8');
    if ((line ?? null) !== null || (limit ?? null) !== null) {
      const lines = content.split('\n');
      const start = Math.max(1, line ?? 1) - 1;
      content = lines.slice(start, limit ? start + limit : undefined).join('\n');
    }
    return { path, content };
  }

  /**
   * Writes a text file inside the working directory, creating parent
   * directories. The nearest existing ancestor must resolve inside; the file
   * itself is opened without following a symlink.
   */
  async writeText(
    requested: string,
    content: string,
    maxBytes: number,
  ): Promise<{ path: string; bytes: number }> {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > maxBytes)
      throw new PathRefusedError(
        `content is larger than ${maxBytes} bytes (subagents.acp.max_file_bytes)`,
        requested,
      );
    const path = this.lexical(requested);
    if (path === this.root)
      throw new PathRefusedError('cannot write the working directory itself', requested);
    let ancestor = dirname(path);
    for (;;) {
      try {
        await lstat(ancestor);
        break;
      } catch {
        ancestor = dirname(ancestor);
      }
    }
    const realAncestor = await realpath(ancestor);
    if (!inside(this.root, realAncestor))
      throw new PathRefusedError(
        `path leads outside the working directory (symlink): ${requested}`,
        requested,
      );
    const target = resolve(realAncestor, relative(ancestor, path));
    if (!inside(this.root, target))
      throw new PathRefusedError(`path is outside the working directory: ${requested}`, requested);
    await mkdir(dirname(target), { recursive: true });
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink())
      throw new PathRefusedError(`refusing to write through a symlink: ${requested}`, requested);
    const handle = await open(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    ).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ELOOP')
        throw new PathRefusedError(`refusing to write through a symlink: ${requested}`, requested);
      throw err;
    });
    try {
      await handle.writeFile(content, 'utf8');
    } finally {
      await handle.close();
    }
    return { path: target, bytes };
  }

  /** A directory inside the working directory (terminal cwd); default the root. */
  async directory(requested: string | null | undefined): Promise<string> {
    if (requested === undefined || requested === null || requested === '') return this.root;
    const path = await this.existing(requested);
    if (!(await stat(path)).isDirectory())
      throw new PathRefusedError(`not a directory: ${requested}`, requested);
    return path;
  }
}
