// Runs once before any jest worker starts: compile dist/ for the tests that spawn
// the built service or CLI, so parallel workers never run tsc at the same time.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  const root = join(__dirname, '..', '..');
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-if-needed.js')], { cwd: root, stdio: 'inherit' });
  } catch {
    // Type errors are reported by `npm run typecheck`; tsc still emitted the JavaScript.
  }
};
