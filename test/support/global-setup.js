// Runs once before any jest worker starts: compile dist/ for the tests that spawn
// the built service or CLI, so parallel workers never run tsc at the same time;
// then migrate one in-memory embedded database and keep its tarball, which every
// embedded test app starts from (initdb + all migrations once, not per app).
const { execFileSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { writeCjsCopy } = require('./esm-to-cjs');

module.exports = async () => {
  const root = join(__dirname, '..', '..');
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-if-needed.js')], { cwd: root, stdio: 'inherit' });
  } catch {
    // Type errors are reported by `npm run typecheck`; tsc still emitted the JavaScript.
  }
  writeCjsCopy('@agentclientprotocol/sdk');
  const dir = mkdtempSync(join(tmpdir(), 'cc-pglite-snapshot-'));
  const snapshot = join(dir, 'migrated.tar.gz');
  execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'pglite-snapshot.js'), snapshot], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  // Workers start after global setup and inherit this environment.
  process.env.CC_TEST_PGLITE_SNAPSHOT = snapshot;
  globalThis.__CC_PGLITE_SNAPSHOT_DIR__ = dir;
};
