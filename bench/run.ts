/**
 * `npm run bench [-- <filter>]`: runs every bench/*.bench.ts module (compiled to
 * dist/bench/*.bench.js) one after the other, prints each result, and writes one
 * table to bench/results.md (bench/results.json for machines). A module exports
 * `async function run(): Promise<BenchResult[]>`, measuring its baseline in the same run.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type BenchResult, projectRoot } from './support';

interface BenchModule {
  run(): Promise<BenchResult[]>;
}

const fmt = (n: number) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 2 }) : String(n);

export function renderTable(rows: { bench: string; result?: BenchResult; error?: string }[]): string {
  const lines = [
    '| bench | measurement | value | baseline | baseline value | ratio | goal |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const { bench, result: r, error } of rows) {
    lines.push(
      r
        ? `| ${bench} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline} | ${fmt(r.baselineValue)} ${r.unit} | ${r.ratio.toFixed(2)} | ${r.goal ?? ''} |`
        : `| ${bench} | FAILED: ${(error ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 200)} | | | | | |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => !filter || f.includes(filter))
    .sort();
  if (files.length === 0) throw new Error(`no bench module matches ${filter ?? '*'} in ${__dirname}`);

  const rows: { bench: string; result?: BenchResult; error?: string }[] = [];
  for (const file of files) {
    const bench = file.replace(/\.bench\.js$/, '');
    process.stdout.write(`== ${bench}\n`);
    const started = Date.now();
    try {
      const mod = require(join(__dirname, file)) as BenchModule;
      for (const result of await mod.run()) {
        rows.push({ bench, result });
        process.stdout.write(
          `   ${result.name}: ${fmt(result.value)} ${result.unit} vs ${result.baseline} ${fmt(result.baselineValue)} ` +
            `${result.unit} → ratio ${result.ratio.toFixed(2)}${result.goal ? ` (goal ${result.goal})` : ''}\n`,
        );
      }
    } catch (err) {
      rows.push({ bench, error: (err as Error).message ?? String(err) });
      process.stdout.write(`   FAILED: ${(err as Error).stack ?? err}\n`);
    }
    process.stdout.write(`   (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }

  // A filtered run replaces only its own benches' rows: ratios are self-contained per bench.
  const root = projectRoot();
  const jsonPath = join(root, 'bench', 'results.json');
  const ran = new Set(files.map((f) => f.replace(/\.bench\.js$/, '')));
  const kept = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof rows).filter((r) => !ran.has(r.bench))
    : [];
  rows.push(...kept);
  rows.sort((a, b) => a.bench.localeCompare(b.bench));

  const cpu = cpus();
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${filter ? ` -- ${filter}` : ''}\` on ${new Date().toISOString()}, ` +
      `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}. ` +
      'Each baseline is measured in the same run as its measurement, on the same machine; compare ratios, ' +
      'not absolute numbers. A filtered run (`npm run bench -- <name>`) replaces only that bench’s rows.',
    '',
  ];
  writeFileSync(join(root, 'bench', 'results.md'), `${header.join('\n')}\n${renderTable(rows)}\n`);
  writeFileSync(jsonPath, `${JSON.stringify(rows, null, 2)}\n`);
  process.stdout.write(`\n${renderTable(rows)}\n\nwrote bench/results.md\n`);
  if (rows.some((r) => r.error && ran.has(r.bench))) process.exitCode = 1;
}

if (require.main === module) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
