import { Command } from 'commander';
import {
  SUBAGENT_LOG_KINDS,
  SubagentLogKind,
} from '../../modules/subagents/entities/subagent-log-entry.entity';
import { SUBAGENT_STATUSES, SubagentStatus } from '../../modules/subagents/entities/subagent-run.entity';
import { SubagentsService } from '../../modules/subagents/subagents.service';
import { withAppContext } from '../cli-context';
import { asOrganizationAdmin } from './cli-org';

type Print = (line: string) => void;

/** The CLI only reads: it never runs scheduled work or ACP agents itself. */
const CLI_OVERRIDES = { SCHEDULER_ENABLED: 'false', SUBAGENTS_ACP_ENABLED: 'false' };

export interface SubagentRunsOptions {
  sessionKey?: string;
  parent?: string;
  status?: string;
  target?: string;
  limit?: string;
  org?: string;
  json?: boolean;
}

export interface SubagentLogOptions {
  kind?: string;
  limit?: string;
  org?: string;
  json?: boolean;
}

function parseLimit(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw new Error('--limit must be a whole number from 1 to 500');
  return n;
}

function parseChoice<T extends string>(
  raw: string | undefined,
  name: string,
  allowed: readonly string[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw)) throw new Error(`--${name} must be one of: ${allowed.join(', ')}`);
  return raw as T;
}

/** `subagents runs`: ACP subagent runs, newest first. */
export async function runSubagentRuns(
  opts: SubagentRunsOptions,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const filter = {
    sessionKey: opts.sessionKey,
    parentSessionKey: opts.parent,
    status: parseChoice<SubagentStatus>(opts.status, 'status', SUBAGENT_STATUSES),
    target: opts.target,
    limit: parseLimit(opts.limit, 50),
    offset: 0,
  };
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const { items, total } = await app.get(SubagentsService, { strict: false }).listRuns(filter);
        if (opts.json) {
          print(JSON.stringify({ items, total }));
          return 0;
        }
        print(
          [
            'ID'.padEnd(36),
            'STATUS'.padEnd(9),
            'TARGET'.padEnd(12),
            'EXIT'.padEnd(4),
            'SESSION'.padEnd(32),
            'CREATED'.padEnd(24),
            'ERROR',
          ].join('  '),
        );
        for (const r of items) {
          print(
            [
              r.id,
              r.status.padEnd(9),
              (r.target ?? '(command)').slice(0, 12).padEnd(12),
              String(r.exit_code ?? '-').padEnd(4),
              r.session_key.slice(0, 32).padEnd(32),
              r.created_at.padEnd(24),
              (r.error ?? '').replace(/\s+/g, ' ').slice(0, 80),
            ].join('  '),
          );
        }
        print(`${items.length} of ${total} subagent run${total === 1 ? '' : 's'}`);
        return 0;
      }),
    { env, overrides: CLI_OVERRIDES },
  );
}

/** `subagents log <id>`: the subagents_log of one run (subagent run id or run id), in order. */
export async function runSubagentLog(
  id: string,
  opts: SubagentLogOptions,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const filter = {
    kind: parseChoice<SubagentLogKind>(opts.kind, 'kind', SUBAGENT_LOG_KINDS),
    limit: parseLimit(opts.limit, 500),
    offset: 0,
  };
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const { subagent, items, total } = await app.get(SubagentsService, { strict: false }).log(id, filter);
        if (opts.json) {
          print(JSON.stringify({ subagent, items, total }));
          return 0;
        }
        print(
          `subagent ${subagent.id} (run ${subagent.run_id ?? '-'}) ${subagent.status} — ${subagent.command}`,
        );
        for (const e of items)
          print(`${String(e.seq).padStart(4)}  ${e.created_at}  ${e.kind.padEnd(16)}  ${e.summary}`);
        if (subagent.stderr_tail) print(`stderr (tail):\n${subagent.stderr_tail}`);
        print(`${items.length} of ${total} event${total === 1 ? '' : 's'}`);
        return 0;
      }),
    { env, overrides: CLI_OVERRIDES },
  );
}

export function register(program: Command): void {
  const group = program
    .command('subagents')
    .description('ACP subagent runs and their event log (subagents_log)');
  group
    .command('runs')
    .description('list subagent runs, newest first')
    .option('--session-key <key>', 'only subagents of this session')
    .option('--parent <key>', 'only subagents spawned by this session')
    .option('--status <status>', `one of ${SUBAGENT_STATUSES.join(', ')}`)
    .option('--target <name>', 'only runs of this named target')
    .option('--limit <n>', 'at most this many (default 50)')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print JSON')
    .action(async (opts: SubagentRunsOptions) => {
      process.exitCode = await runSubagentRuns(opts, (l) => process.stdout.write(`${l}\n`));
    });
  group
    .command('log <id>')
    .description(
      'the event log of a subagent run (subagent run id or run id): permission, plan, tool-call, file, terminal, lifecycle',
    )
    .option('--kind <kind>', `only one of ${SUBAGENT_LOG_KINDS.join(', ')}`)
    .option('--limit <n>', 'at most this many events (default 500)')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: SubagentLogOptions) => {
      process.exitCode = await runSubagentLog(id, opts, (l) => process.stdout.write(`${l}\n`));
    });
}
