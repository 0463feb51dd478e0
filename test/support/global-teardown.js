const { rmSync } = require('node:fs');

module.exports = async () => {
  if (globalThis.__CC_PGLITE_SNAPSHOT_DIR__)
    rmSync(globalThis.__CC_PGLITE_SNAPSHOT_DIR__, { recursive: true, force: true });
};
