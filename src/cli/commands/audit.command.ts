import { Command } from 'commander';
import { AuditService } from '../../modules/auth/services/audit.service';
import { EXIT_FAILURE, withAppContext } from '../cli-context';

/** `audit verify`: walks the hash chain; exit 1 and the first broken seq when it is broken. */
export async function runAuditVerify(
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withAppContext(
    async (app) => {
      const result = await app.get(AuditService, { strict: false }).verify();
      if (result.ok) {
        print(`audit chain ok: ${result.checked} row(s) verified`);
        return 0;
      }
      print(
        `audit chain BROKEN at seq ${result.first_broken_seq}: ${result.reason} (${result.checked} row(s) verified before it)`,
      );
      return EXIT_FAILURE;
    },
    { env },
  );
}

export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('verify the hash chain of the audit log; exit 1 and report the first broken link')
    .action(async () => {
      process.exitCode = await runAuditVerify((l) => process.stdout.write(`${l}\n`));
    });
}
