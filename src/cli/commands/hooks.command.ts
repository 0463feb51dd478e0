import { Command } from 'commander';
import { HookView, HooksService } from '../../modules/hooks/hooks.service';
import { withAppContext } from '../cli-context';
import { asOrganizationAdmin } from './cli-org';

type Print = (line: string) => void;

/** The CLI only reads and changes hook state: it connects no MCP server and runs no scheduled work. */
const CLI_OVERRIDES = { MCP_ENABLED: 'false', SCHEDULER_ENABLED: 'false' };

export interface HooksOptions {
  org?: string;
  json?: boolean;
}

function describeHook(h: HookView): string[] {
  const last = h.stats.last_failure;
  return [
    `name:        ${h.name}`,
    `enabled:     ${h.enabled} (${h.state_source === 'operator' ? `set by ${h.updated_by ?? 'an operator'} at ${h.updated_at}` : 'manifest default'})`,
    `events:      ${h.events.join(', ')}`,
    `command:     ${[h.command, ...h.args].join(' ')}`,
    `timeout_ms:  ${h.timeout_ms}`,
    `directory:   ${h.dir}`,
    ...(h.description ? [`description: ${h.description}`] : []),
    ...(last ? [`last failure (this process): ${last.reason} on ${last.event}: ${last.detail}`] : []),
  ];
}

function inApp<T>(
  opts: HooksOptions,
  env: NodeJS.ProcessEnv,
  fn: (hooks: HooksService) => Promise<T>,
): Promise<T> {
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', () => fn(app.get(HooksService, { strict: false }))),
    {
      env,
      overrides: CLI_OVERRIDES,
    },
  );
}

/** `hooks list`: every hook of HOOKS_DIR with its state in the organization, and invalid manifests. */
export function runHooksList(
  opts: HooksOptions,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return inApp(opts, env, async (hooks) => {
    const items = await hooks.list();
    const errors = hooks.manifestErrors();
    if (opts.json) {
      print(JSON.stringify({ hooks_dir: hooks.dir ?? null, items, manifest_errors: errors }));
      return 0;
    }
    if (!hooks.dir) print('no HOOKS_DIR (set HOOKS_DIR, or DATA_DIR to a directory containing hooks/)');
    print(['NAME'.padEnd(24), 'ENABLED'.padEnd(8), 'EVENTS'.padEnd(40), 'TIMEOUT'].join('  '));
    for (const h of items)
      print(
        [
          h.name.padEnd(24),
          String(h.enabled).padEnd(8),
          h.events.join(',').padEnd(40),
          `${h.timeout_ms} ms`,
        ].join('  '),
      );
    for (const e of errors) print(`invalid: ${e.dir}: ${e.error}`);
    print(`${items.length} hook(s)${errors.length ? `, ${errors.length} invalid` : ''}`);
    return 0;
  });
}

/** `hooks info <name>`. */
export function runHooksInfo(
  name: string,
  opts: HooksOptions,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return inApp(opts, env, async (hooks) => {
    const h = await hooks.get(name).catch((err) => {
      throw new Error((err as Error).message);
    });
    if (opts.json) print(JSON.stringify(h));
    else describeHook(h).forEach(print);
    return 0;
  });
}

/** `hooks enable|disable <name>`: persisted for the organization; a running service picks it up within seconds. */
export function runHooksSetEnabled(
  name: string,
  enabled: boolean,
  opts: HooksOptions,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return inApp(opts, env, async (hooks) => {
    const h = await hooks.setEnabled(name, enabled).catch((err) => {
      throw new Error((err as Error).message);
    });
    if (opts.json) print(JSON.stringify(h));
    else
      print(`hook ${h.name} ${enabled ? 'enabled' : 'disabled'} for organization ${opts.org ?? 'default'}`);
    return 0;
  });
}

export function register(program: Command): void {
  const hooks = program
    .command('hooks')
    .description('lifecycle hooks of HOOKS_DIR (before_run, before_tool, after_tool, after_run)');
  const common = (c: Command) =>
    c.option('--org <slug>', 'organization slug', 'default').option('--json', 'print JSON');
  const out: Print = (l) => process.stdout.write(`${l}\n`);
  common(hooks.command('list').description('list hooks, their events and whether they are enabled')).action(
    async (opts: HooksOptions) => {
      process.exitCode = await runHooksList(opts, out);
    },
  );
  common(hooks.command('info <name>').description('show one hook')).action(
    async (name: string, opts: HooksOptions) => {
      process.exitCode = await runHooksInfo(name, opts, out);
    },
  );
  common(hooks.command('enable <name>').description('enable a hook (persisted)')).action(
    async (name: string, opts: HooksOptions) => {
      process.exitCode = await runHooksSetEnabled(name, true, opts, out);
    },
  );
  common(
    hooks.command('disable <name>').description('disable a misbehaving hook quickly (persisted)'),
  ).action(async (name: string, opts: HooksOptions) => {
    process.exitCode = await runHooksSetEnabled(name, false, opts, out);
  });
}
