import { DIST_MAIN, ensureBuilt, runNode } from './support/build';
import { backendIndependentSkipped } from './support/skip';

const describeBoot = backendIndependentSkipped('config e2e') ? describe.skip : describe;

describeBoot('configuration errors at boot (built service)', () => {
  beforeAll(() => ensureBuilt(), 240_000);

  it('PORT=abc exits non-zero with a message naming PORT', async () => {
    const res = await runNode([DIST_MAIN], { PORT: 'abc', DATA_DIR: 'memory://' }, 30_000);
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull();
    expect(res.stderr).toMatch(/PORT: .*"abc"/);
  }, 60_000);

  it('reports every invalid variable in one go', async () => {
    const res = await runNode(
      [DIST_MAIN],
      { PORT: 'abc', LOG_LEVEL: 'chatty', CORS_ORIGINS: '*', DB_POOL_SIZE: '0', DATA_DIR: 'memory://' },
      30_000,
    );
    expect(res.code).not.toBe(0);
    for (const name of ['PORT', 'LOG_LEVEL', 'CORS_ORIGINS', 'DB_POOL_SIZE']) {
      expect(res.stderr).toMatch(new RegExp(`^\\s*- ${name}: `, 'm'));
    }
  }, 60_000);
});
