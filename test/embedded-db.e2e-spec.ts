import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DataDirLockedError } from '../src/database/embedded-postgres';
import { CLI_MAIN, DIST_MAIN, ensureBuilt, runNode } from './support/build';
import { startTestApp, TestApp, testEnv } from './support/test-app';
import { backendIndependentSkipped } from './support/skip';

/** Embedded mode only: DATABASE_URL unset, PGlite on disk under DATA_DIR. */
const embedded = (dataDir: string) => ({ env: { DATABASE_URL: undefined, DATA_DIR: dataDir } });

const describeEmbedded = backendIndependentSkipped('embedded-db') ? describe.skip : describe;

describeEmbedded('embedded PostgreSQL (PGlite) under DATA_DIR', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cc-embedded-'));
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across a restart', async () => {
    const dataDir = join(dir, 'restart');
    const first = await startTestApp(embedded(dataDir));
    try {
      const ds = first.app.get(DataSource);
      await ds.query('CREATE TABLE survival_probe (id int PRIMARY KEY, note text NOT NULL)');
      await ds.query(`INSERT INTO survival_probe VALUES (1, 'written before the restart')`);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, 'clawcontrol.lock'))).toBe(false); // a clean stop releases the directory

    const second = await startTestApp(embedded(dataDir));
    try {
      const rows = await second.app.get(DataSource).query('SELECT note FROM survival_probe WHERE id = 1');
      expect(rows).toEqual([{ note: 'written before the restart' }]);
      await second.http().get('/readyz').expect(200);
    } finally {
      await second.close();
    }
  }, 120_000);

  describe('while one service holds the directory', () => {
    const dataDir = () => join(dir, 'shared');
    let holder: TestApp;
    beforeAll(async () => {
      holder = await startTestApp(embedded(dataDir()));
    }, 60_000);
    afterAll(() => holder?.close());

    it('a second process fails with a clear message instead of opening it', async () => {
      const res = await runNode([DIST_MAIN], testEnv({ DATA_DIR: dataDir(), PORT: '0' }), 30_000);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(
        `DATA_DIR ${dataDir()} is in use by another Clawcontrol process (pid ${process.pid})`,
      );
      expect(res.stderr).toContain('DATABASE_URL');
      // the holder is unharmed
      await holder.http().get('/readyz').expect(200);
    }, 60_000);

    it('clawcontrol doctor reports the directory as in use', async () => {
      const res = await runNode([CLI_MAIN, 'doctor'], testEnv({ DATA_DIR: dataDir() }), 30_000);
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/^database\s+FAIL DATA_DIR .* is in use by another Clawcontrol process/m);
    }, 60_000);

    it('a second app in the same process is refused too', async () => {
      const second = startTestApp(embedded(dataDir()));
      second.then((app) => app.close()).catch(() => {}); // if it ever opened, do not leave it running
      await expect(second).rejects.toThrow(DataDirLockedError);
      await holder.http().get('/readyz').expect(200);
    }, 60_000);
  });

  it('takes over the lock a crashed process left behind', async () => {
    const dataDir = join(dir, 'stale');
    const first = await startTestApp(embedded(dataDir));
    await first.close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(join(dataDir, 'clawcontrol.lock'), dead.stdout); // that pid no longer exists
    const again = await startTestApp(embedded(dataDir));
    try {
      await again.http().get('/readyz').expect(200);
    } finally {
      await again.close();
    }
  }, 120_000);
});
