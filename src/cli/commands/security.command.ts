import { Command } from 'commander';
import { isProblem } from '../../modules/secrets/audit/security-finding';
import { SecurityAuditService } from '../../modules/secrets/services/security-audit.service';
import { EXIT_FAILURE, withAppContext } from '../cli-context';

const out = (line: string) => process.stdout.write(`${line}\n`);

export function register(program: Command): void {
  const security = program.command('security').description('security checks');

  security
    .command('audit')
    .description(
      'check that every stored secret decrypts under a data key wrapped with the current master key, and flag plaintext credentials in agent, webhook and MCP config and in the environment; exit 1 on high or medium findings',
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withAppContext(async (app) => {
        const report = await app.get(SecurityAuditService, { strict: false }).run();
        if (opts.json) {
          out(JSON.stringify(report, null, 2));
        } else {
          out(`master key   ${report.master_key_id ?? '(none)'} (${report.key_source})`);
          out(`checked      ${report.checked.data_keys} data key(s), ${report.checked.secrets} secret(s), ${report.checked.config_files} MCP config file(s)`);
          for (const f of report.findings) {
            out(`${f.severity.toUpperCase().padEnd(7)}${f.code}  ${f.target}`);
            out(`       ${f.message}`);
            out(`       fix: ${f.fix}`);
          }
          const problems = report.findings.filter(isProblem).length;
          out(report.ok ? `OK: no problems (${report.findings.length} note(s))` : `FAIL: ${problems} problem(s)`);
        }
        if (!report.ok) process.exitCode = EXIT_FAILURE;
      });
    });
}
