import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const MEMORY_DATA_DIR = 'memory://';

export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `DATA_DIR ${dataDir} is in use by another Clawcontrol process (pid ${pid}). ` +
        'The embedded database serves one process only: stop that process, point DATA_DIR elsewhere, ' +
        'or run several replicas on PostgreSQL with DATABASE_URL.',
    );
    this.name = 'DataDirLockedError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds: a lock with our own pid is not stale while we hold it. */
const heldByThisProcess = new Set<string>();

/** An exclusive pid lock file, so two processes (or two apps of one process) never open one PGlite directory. */
export function acquireLock(dataDir: string): () => void {
  const lockPath = join(dataDir, 'clawcontrol.lock');
  if (heldByThisProcess.has(lockPath)) throw new DataDirLockedError(dataDir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldByThisProcess.add(lockPath);
      return () => {
        heldByThisProcess.delete(lockPath);
        try {
          if (readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
        } catch {}
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      if (pid && pid !== process.pid && processAlive(pid)) throw new DataDirLockedError(dataDir, pid);
      unlinkSync(lockPath); // stale lock of a dead process
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

/**
 * Embedded PostgreSQL: PGlite served over the Postgres wire protocol on a
 * loopback port, so the ordinary `pg` driver and TypeORM talk to it exactly as
 * they talk to a real server (one dialect, one set of migrations).
 *
 * PGlite is single-connection; the socket server accepts one client at a
 * time, so the pool in embedded mode is 1.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly url: string,
    private readonly stopFn: () => Promise<void>,
    /** A gzipped tarball of the data directory, taken while no statement runs (backups). */
    readonly dumpDataDir: () => Promise<Blob>,
  ) {}

  /**
   * `seed` (in-memory only): a data directory tarball to start from instead of an
   * empty cluster — tests start from an already-migrated snapshot.
   */
  static async start(dataDir: string, seed?: Blob): Promise<EmbeddedPostgres> {
    // Both packages are ESM-first and load WASM dynamically; require at call
    // time keeps them out of the import graph of processes that never use them.
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const { PGLiteSocketServer } =
      require('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket');

    let release = () => {};
    let pgliteDir: string | undefined;
    if (dataDir !== MEMORY_DATA_DIR) {
      const dir = resolve(dataDir);
      mkdirSync(dir, { recursive: true });
      release = acquireLock(dir);
      pgliteDir = join(dir, 'pgdata');
    }
    try {
      if (seed && pgliteDir) throw new Error('a seed tarball only applies to DATA_DIR=memory://');
      const db = await PGlite.create(pgliteDir, seed ? { loadDataDir: seed } : {});
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedPostgres(
        url,
        async () => {
          await server.stop();
          await db.close();
          release();
        },
        () => db.dumpDataDir('gzip'),
      );
    } catch (e) {
      release();
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.stopFn();
  }
}
