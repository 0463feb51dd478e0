import { Command } from 'commander';
import { SCOPES } from '../../common/context/principal';
import { ApiKeysService } from '../../modules/auth/services/api-keys.service';
import { withAppContext } from '../cli-context';
import { asOrganizationAdmin } from './cli-org';

type Print = (line: string) => void;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CreateKeyOptions {
  label: string;
  scopes: string;
  expiresDays?: string;
  org?: string;
  json?: boolean;
}

function parseScopes(raw: string): string[] {
  const scopes = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (!scopes.length || bad.length)
    throw new Error(
      `--scopes must be a comma-separated list of: ${SCOPES.join(', ')}${bad.length ? ` (got ${bad.join(', ')})` : ''}`,
    );
  return scopes;
}

function parseDays(raw?: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3650)
    throw new Error('--expires-days must be a whole number between 1 and 3650');
  return n;
}

/** `keys create`: prints the secret once. */
export async function runKeysCreate(
  opts: CreateKeyOptions,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const scopes = parseScopes(opts.scopes);
  const expires_days = parseDays(opts.expiresDays);
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const key = await app
          .get(ApiKeysService, { strict: false })
          .create({ label: opts.label, scopes, expires_days });
        if (opts.json) print(JSON.stringify(key));
        else {
          print(
            `created ${key.prefix} (id ${key.id}) scopes ${key.scopes.join(',')}${key.expires_at ? ` expires ${key.expires_at}` : ''}`,
          );
          print('the key (shown once; store it now):');
          print(key.api_key);
        }
        return 0;
      }),
    { env },
  );
}

/** `keys list`: never prints secrets. */
export async function runKeysList(
  opts: { org?: string; all?: boolean; json?: boolean },
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const [items, total] = await app.get(ApiKeysService, { strict: false }).list(500, 0, !!opts.all);
        if (opts.json) {
          print(JSON.stringify({ items, total }));
          return 0;
        }
        print(
          [
            'ID'.padEnd(36),
            'PREFIX'.padEnd(24),
            'LABEL'.padEnd(24),
            'SCOPES'.padEnd(40),
            'LAST USED'.padEnd(24),
            'STATE',
          ].join('  '),
        );
        for (const k of items) {
          const state = k.revoked_at
            ? `revoked ${k.revoked_at}`
            : k.expires_at
              ? `expires ${k.expires_at}`
              : 'active';
          print(
            [
              k.id,
              k.prefix.padEnd(24),
              k.label.slice(0, 24).padEnd(24),
              k.scopes.join(',').padEnd(40),
              (k.last_used_at ?? '-').padEnd(24),
              state,
            ].join('  '),
          );
        }
        print(`${total} key(s)`);
        return 0;
      }),
    { env },
  );
}

/** `keys revoke <id|prefix>`: the key dies at once. */
export async function runKeysRevoke(
  idOrPrefix: string,
  opts: { org?: string },
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const keys = app.get(ApiKeysService, { strict: false });
        let id = idOrPrefix;
        if (!UUID.test(idOrPrefix)) {
          const [items] = await keys.list(500, 0, false);
          const match = items.filter((k) => k.prefix === idOrPrefix);
          if (match.length !== 1)
            throw new Error(
              `no active key with prefix '${idOrPrefix}' (give the id or the full prefix cc_…)`,
            );
          id = match[0].id;
        }
        const revoked = await keys.revoke(id);
        print(`revoked ${revoked.prefix} (id ${revoked.id}) at ${revoked.revoked_at}`);
        return 0;
      }),
    { env },
  );
}

export function register(program: Command): void {
  const keys = program.command('keys').description('manage API keys (Authorization: Bearer)');
  keys
    .command('create')
    .description('create an API key; the secret is printed once')
    .requiredOption('--label <label>', 'what the key is for')
    .requiredOption('--scopes <scopes>', `comma-separated: ${SCOPES.join(', ')}`)
    .option('--expires-days <days>', 'expire after this many days')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print JSON')
    .action(async (opts: CreateKeyOptions) => {
      process.exitCode = await runKeysCreate(opts, (l) => process.stdout.write(`${l}\n`));
    });
  keys
    .command('list')
    .description('list API keys (prefix, scopes, usage; never the secret)')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON')
    .action(async (opts: { org?: string; all?: boolean; json?: boolean }) => {
      process.exitCode = await runKeysList(opts, (l) => process.stdout.write(`${l}\n`));
    });
  keys
    .command('revoke <id>')
    .description('revoke an API key by id or prefix; it stops working at once')
    .option('--org <slug>', 'organization slug', 'default')
    .action(async (id: string, opts: { org?: string }) => {
      process.exitCode = await runKeysRevoke(id, opts, (l) => process.stdout.write(`${l}\n`));
    });
}
