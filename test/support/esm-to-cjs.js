// jest (CommonJS, vm modules) refuses to require() a .js file of a "type": "module"
// package, which Node >= 20.19 loads natively. For such dependencies the global
// setup writes a CommonJS copy (TypeScript's transpiler, file by file) that
// jest.config.js maps the package name to.
const { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');
const ts = require('typescript');

const ROOT = join(__dirname, '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'clawcontrol-cjs');

/** Where the CommonJS copy of `pkg` (a folder under node_modules) lives. */
function cjsDirOf(pkg) {
  return join(CACHE, pkg);
}

function* jsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(path);
    else if (entry.name.endsWith('.js')) yield path;
  }
}

/** Writes the CommonJS copy of every .js file of the package (once per installed version). */
function writeCjsCopy(pkg) {
  const src = join(ROOT, 'node_modules', pkg);
  const { version } = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
  const out = cjsDirOf(pkg);
  const stamp = join(out, '.version');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) return;
  for (const file of jsFiles(join(src, 'dist'))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const target = join(out, relative(src, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify({ name: pkg, version, type: 'commonjs' }));
  writeFileSync(stamp, version);
}

module.exports = { cjsDirOf, writeCjsCopy };
