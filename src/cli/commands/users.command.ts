import { Command } from 'commander';
import { UsersService } from '../../modules/auth/services/users.service';
import { withAppContext } from '../cli-context';
import { asOrganizationAdmin } from './cli-org';

export interface CreateAdminOptions {
  email: string;
  password?: string;
  passwordStdin?: boolean;
  org?: string;
  resetPassword?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `users create-admin`: ensures an enabled admin user exists (idempotent). Returns the exit code. */
export async function runCreateAdmin(
  opts: CreateAdminOptions,
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const password = opts.passwordStdin ? await readStdin() : (opts.password ?? env.CLAWCONTROL_ADMIN_PASSWORD);
  if (!password)
    throw new Error(
      'give the password with --password-stdin (recommended), --password or CLAWCONTROL_ADMIN_PASSWORD',
    );
  return withAppContext(
    (app) =>
      asOrganizationAdmin(app, opts.org ?? 'default', async () => {
        const { user, outcome } = await app
          .get(UsersService, { strict: false })
          .ensureAdmin(opts.email, password, !!opts.resetPassword);
        const what =
          outcome === 'created'
            ? 'created'
            : outcome === 'updated'
              ? 'updated (enabled, role admin' + (opts.resetPassword ? ', password reset' : '') + ')'
              : 'already exists (unchanged)';
        print(`admin ${user.email} ${what}: id ${user.id}, organization ${opts.org ?? 'default'}`);
        return 0;
      }),
    { env },
  );
}

export function register(program: Command): void {
  const users = program.command('users').description('manage users (browser sign-in)');
  users
    .command('create-admin')
    .description(
      'ensure an enabled admin user exists (idempotent); an existing user keeps its password unless --reset-password',
    )
    .requiredOption('--email <email>', 'email address (the login name)')
    .option(
      '--password <password>',
      'the password (visible in shell history and ps: prefer --password-stdin)',
    )
    .option('--password-stdin', 'read the password from standard input')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--reset-password', 'set the password of an existing user too')
    .action(async (opts: CreateAdminOptions) => {
      process.exitCode = await runCreateAdmin(opts, (l) => process.stdout.write(`${l}\n`));
    });
}
