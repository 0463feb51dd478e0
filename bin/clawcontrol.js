#!/usr/bin/env node
// `clawcontrol` / `npm run cli --`: compile when the sources changed (only where TypeScript is
// installed; production images ship dist/ without it), then run the CLI.
let canBuild = true;
try {
  require.resolve('typescript');
} catch {
  canBuild = false;
}
if (canBuild) require('../scripts/build-if-needed.js');
require('../dist/src/cli/main.js').main(process.argv);
