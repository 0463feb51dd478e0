import { Command } from 'commander';
import { DLQ_STATUSES, DlqStatus } from '../../modules/scheduler/entities/task-dlq-entry.entity';
import { dlqEntryView } from '../../modules/scheduler/dto/views';
import { DlqService, MAX_REPLAY_LIMIT } from '../../modules/scheduler/services/dlq.service';
import { withAppContext } from '../cli-context';
import { asOrganizationAdmin } from './cli-org';

type Print = (line: string) => void;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The CLI never runs scheduled tasks or cleanup jobs itself: it only reads and re-queues. */
const CLI_OVERRIDES = { SCHEDULER_ENABLED: 'false' };

export interface DlqListOptions {
  chatId?: string;
  taskId?: string;
  status?: string;
  limit?: string;
  org?: string;
  json?: boolean;
}

export interface DlqReplayOptions {
  chatId: string;
  taskId?: string;
  limit?: string;
  org?: string;
  json?: boolean;
}

function parseLimit(raw: string | undefined, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--limit must be a whole number from 1 to ${max}`);
  return n;
}

function parseTaskId(raw?: string): string | undefined {
  if (raw !== undefined && !UUID.test(raw)) throw new Error('--task-id must be a task id (UUID)');
  return raw;
}

function parseStatus(raw?: string): DlqStatus | undefined {
  if (raw === undefined) return undefined;
  if (!(DLQ_STATUSES as readonly string[]).includes(raw)) throw new Error(`--status must be one of: ${DLQ_STATUSES.join(', ')}`);
  return raw as DlqStatus;
}

/** `dlq list`: failed scheduled runs, newest first. */
export async function runDlqList(opts: DlqListOptions, print: Print, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const filter = { taskId: parseTaskId(opts.taskId), status: parseStatus(opts.status), limit: parseLimit(opts.limit, 500, 50) };
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const [rows, total] = await app.get(DlqService, { strict: false }).list({ ...filter, chatId: opts.chatId, offset: 0 });
        const items = rows.map(dlqEntryView);
        if (opts.json) {
          print(JSON.stringify({ items, total }));
          return 0;
        }
        print(['ID'.padEnd(36), 'TASK'.padEnd(36), 'CHAT'.padEnd(28), 'FAILED AT'.padEnd(24), 'STATUS'.padEnd(9), 'ERROR / NOTE'].join('  '));
        for (const e of items) {
          const note = e.replay_note ? ` [${e.replay_note}]` : '';
          print(
            [e.id, e.task_id, e.chat_id.slice(0, 28).padEnd(28), e.failed_at.padEnd(24), e.status.padEnd(9), `${e.error_summary.slice(0, 80)}${note}`].join(
              '  ',
            ),
          );
        }
        print(`${items.length} of ${total} entr${total === 1 ? 'y' : 'ies'}`);
        return 0;
      }),
    { env, overrides: CLI_OVERRIDES },
  );
}

/** `dlq replay`: re-queues the tasks of pending entries of a chat; a running service then runs them. */
export async function runDlqReplay(opts: DlqReplayOptions, print: Print, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const request = { chatId: opts.chatId, taskId: parseTaskId(opts.taskId), limit: parseLimit(opts.limit, MAX_REPLAY_LIMIT, 50) };
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const result = await app.get(DlqService, { strict: false }).replay(request, 'operator');
        if (opts.json) {
          print(JSON.stringify(result));
          return 0;
        }
        for (const r of result.replayed) print(`replayed ${r.dlq_id} (task ${r.task_id}): ${r.note}`);
        for (const s of result.skipped) print(`skipped  ${s.dlq_id} (task ${s.task_id}): ${s.note}`);
        print(`${result.replayed.length} queued, ${result.skipped.length} skipped`);
        return 0;
      }),
    { env, overrides: CLI_OVERRIDES },
  );
}

export function register(program: Command): void {
  const dlq = program.command('dlq').description('dead-letter queue of failed scheduled runs');
  dlq
    .command('list')
    .description('list DLQ entries, newest first')
    .option('--chat-id <key>', 'only entries of this session key (agent:<agent>:<name>)')
    .option('--task-id <id>', 'only entries of this task')
    .option('--status <status>', `one of ${DLQ_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (default 50)')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print JSON')
    .action(async (opts: DlqListOptions) => {
      process.exitCode = await runDlqList(opts, (l) => process.stdout.write(`${l}\n`));
    });
  dlq
    .command('replay')
    .description('re-queue the tasks of pending entries of a chat (immediate next_run); each entry is marked replayed with a note')
    .requiredOption('--chat-id <key>', 'session key whose entries to replay')
    .option('--task-id <id>', 'only entries of this task')
    .option('--limit <n>', `replay at most this many, oldest first (default 50, max ${MAX_REPLAY_LIMIT})`)
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print JSON')
    .action(async (opts: DlqReplayOptions) => {
      process.exitCode = await runDlqReplay(opts, (l) => process.stdout.write(`${l}\n`));
    });
}
