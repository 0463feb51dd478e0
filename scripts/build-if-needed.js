#!/usr/bin/env node
// `npm start` on a fresh clone: compile when dist/ is missing or older than any source file.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const marker = join(root, 'dist', 'src', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = ['src', 'migrations', 'bench', 'scripts'].map((d) => join(root, d)).filter(existsSync);
const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
const changed = Math.max(0, ...sources.map(newestMtime), statSync(join(root, 'package.json')).mtimeMs);
if (built < changed) {
  process.stderr.write('clawcontrol: building (tsc)…\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
  // touch the marker so an unchanged tree is not rebuilt
  const { utimesSync } = require('node:fs');
  const now = new Date();
  utimesSync(marker, now, now);
}
