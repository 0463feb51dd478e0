/**
 * `npm run bench [-- <filter>]`: runs every bench/*.bench.ts module (compiled to
 * dist/bench/*.bench.js) one after the other, each in a fresh child process (no
 * heap, JIT or leftover sockets of the module before it), prints each result,
 * and writes one table to bench/results.md (bench/results.json for machines). A
 * module exports `async function run(): Promise<BenchResult[]>`, measuring its
 * baseline in the same run.
 */
import { fork } from 'node:child_process';
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

const CHILD_FLAG = '--bench-module';

/** Runs one module in a child process of this script and returns what it measured. */
function runInChild(file: string): Promise<BenchResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [CHILD_FLAG, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: { results?: BenchResult[]; error?: string } = {};
    child.on('message', (m) => (answer = m as typeof answer));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (answer.results) resolve(answer.results);
      else reject(new Error(answer.error ?? `bench process exited with ${signal ?? `code ${code}`}`));
    });
  });
}

/** The child's side: run the module, send the results, exit (whatever it left open). */
async function childMain(file: string): Promise<void> {
  let answer: { results?: BenchResult[]; error?: string };
  try {
    answer = { results: await (require(join(__dirname, file)) as BenchModule).run() };
  } catch (err) {
    process.stdout.write(`   FAILED: ${(err as Error).stack ?? err}\n`);
    answer = { error: (err as Error).message ?? String(err) };
  }
  process.send!(answer, undefined, {}, () => process.exit(0));
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
      for (const result of await runInChild(file)) {
        rows.push({ bench, result });
        process.stdout.write(
          `   ${result.name}: ${fmt(result.value)} ${result.unit} vs ${result.baseline} ${fmt(result.baselineValue)} ` +
            `${result.unit} → ratio ${result.ratio.toFixed(2)}${result.goal ? ` (goal ${result.goal})` : ''}\n`,
        );
      }
    } catch (err) {
      rows.push({ bench, error: (err as Error).message ?? String(err) });
      process.stdout.write(`   FAILED: ${(err as Error).message ?? err}\n`);
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

if (require.main === module && process.argv[2] === CHILD_FLAG) {
  void childMain(process.argv[3]);
} else if (require.main === module) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
