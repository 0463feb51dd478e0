import { findPgBinDir, PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { startTestApp, TestApp, waitFor } from './support/test-app';
import { backendIndependentSkipped } from './support/skip';

const pgBin = findPgBinDir();
if (!pgBin) console.warn('readyz-postgres: initdb/pg_ctl not found, skipping the private PostgreSQL tests');
const describePg = pgBin && !backendIndependentSkipped('readyz-postgres') ? describe : describe.skip;

describePg('/readyz follows a private PostgreSQL going away and coming back', () => {
  let pg: PrivatePostgres;
  let app: TestApp;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    app = await startTestApp({ env: { DATABASE_URL: pg.url, DB_CONNECT_TIMEOUT_MS: '1000' } });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pg?.destroy();
  });

  const readyz = () => app.http().get('/readyz');

  it('is 200, turns 503 naming the database when PostgreSQL stops, and 200 again when it returns', async () => {
    const up = await readyz();
    expect(up.status).toBe(200);
    expect(up.body.info.database.status).toBe('up');

    await pg.stop();
    const down = await waitFor(
      async () => {
        const res = await readyz();
        return res.status === 503 ? res : undefined;
      },
      20_000,
      '/readyz 503 after PostgreSQL stopped',
    );
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.body.code).toBe('NOT_READY');
    expect(down.body.detail).toContain('database');
    expect(down.body.checks.database.status).toBe('down');
    // the liveness probe must not follow a dependency
    await app.http().get('/healthz').expect(200);

    await pg.start();
    const back = await waitFor(
      async () => {
        const res = await readyz();
        return res.status === 200 ? res : undefined;
      },
      20_000,
      '/readyz 200 after PostgreSQL came back',
    );
    expect(back.body.info.database.status).toBe('up');
    expect(back.body.info.migrations.status).toBe('up');
  }, 90_000);
});
