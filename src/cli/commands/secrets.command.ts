import { Command, InvalidArgumentError } from 'commander';
import { systemPrincipal } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { OrganizationsRepository } from '../../modules/auth/repositories/organizations.repository';
import { MasterKeyRotationService } from '../../modules/secrets/services/master-key-rotation.service';
import { SecretsService } from '../../modules/secrets/services/secrets.service';
import { VaultLockService, VaultLockStatus } from '../../modules/secrets/services/vault-lock.service';
import { INestApplicationContext } from '@nestjs/common';
import { EXIT_FAILURE, withAppContext } from '../cli-context';

const out = (line: string) => process.stdout.write(`${line}\n`);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError('must be an integer between 1 and 10000');
  return n;
}

/** Runs `fn` as the system principal of the organization with this slug (default: the platform organization). */
async function inOrganization<T>(app: INestApplicationContext, slug: string | undefined, fn: () => Promise<T>): Promise<T> {
  const orgs = app.get(OrganizationsRepository, { strict: false });
  const org = slug ? await orgs.findBySlug(slug) : await orgs.findPlatform();
  if (!org) throw new Error(slug ? `no organization with slug "${slug}"` : 'no platform organization (migrations not applied?)');
  return RequestContext.run({ requestId: `cli-${Date.now()}`, transport: 'cli', principal: { ...systemPrincipal(org.id), actor: 'cli' } }, fn);
}

function describeLock(status: VaultLockStatus): string {
  const part = (name: string, s: VaultLockStatus['global']) =>
    `${name}: ${s.locked ? `locked since ${s.since} by ${s.by}${s.reason ? ` (${s.reason})` : ''}` : 'unlocked'}`;
  return `${part('organization', status.organization)}; ${part('global', status.global)}`;
}

export function register(program: Command): void {
  const secrets = program.command('secrets').description('secrets vault: master-key rotation, vault lock');

  secrets
    .command('rotate-master')
    .description(
      're-wrap every data key with ENCRYPTION_KEY (data keys under ENCRYPTION_KEY_PREVIOUS are unwrapped with it); safe while replicas serve reads, idempotent',
    )
    .option('--batch-size <n>', 'data keys per transaction (default SECRETS_ROTATION_BATCH_SIZE)', positiveInt)
    .action(async (opts: { batchSize?: number }) => {
      await withAppContext(async (app) => {
        const rotation = app.get(MasterKeyRotationService, { strict: false });
        const report = await rotation.rotate({
          batchSize: opts.batchSize,
          actor: 'cli:secrets rotate-master',
          onBatch: (done) => out(`re-wrapped ${done} data key(s) so far`),
        });
        for (const f of report.failed) {
          out(`FAILED data key ${f.dataKeyId} (organization ${f.organizationId}): ${f.code}: ${f.detail}`);
        }
        if (report.rewrapped === 0 && report.failed.length === 0) {
          out(`nothing to rotate: all ${report.alreadyCurrent} data key(s) are wrapped with ENCRYPTION_KEY (${report.masterKeyId})`);
        } else {
          out(
            `rotated to master key ${report.masterKeyId}: ${report.rewrapped} re-wrapped, ${report.alreadyCurrent} already current, ${report.failed.length} failed`,
          );
        }
        if (report.failed.length) {
          process.exitCode = EXIT_FAILURE;
        } else {
          out('ENCRYPTION_KEY_PREVIOUS is no longer needed: remove it and restart the replicas');
        }
      });
    });

  secrets
    .command('lock')
    .description('lock the vault (nothing decrypts) of one organization, or of all with --global; works while the service is down')
    .option('--org <slug>', 'organization slug (default: the platform organization)')
    .option('--global', 'lock every organization')
    .option('--reason <text>', 'why (kept in the lock record and the audit log)')
    .action(async (opts: { org?: string; global?: boolean; reason?: string }) => {
      await withAppContext(async (app) => {
        const status = await inOrganization(app, opts.org, () =>
          app.get(VaultLockService, { strict: false }).lock(opts.global ? 'global' : 'organization', opts.reason),
        );
        out(describeLock(status));
      });
    });

  secrets
    .command('reinit')
    .description(
      "re-initialize a corrupted vault (its data key no longer decrypts): deletes the organization's secrets and data key; back up first",
    )
    .requiredOption('--org <slug>', 'organization slug')
    .option('--force', 'really delete (without it, only says what would go)')
    .action(async (opts: { org: string; force?: boolean }) => {
      await withAppContext(async (app) => {
        await inOrganization(app, opts.org, async () => {
          const service = app.get(SecretsService, { strict: false });
          if (!opts.force) {
            const [, total] = await service.list(1, 0);
            out(`would delete ${total} secret(s) and the data key of organization ${opts.org}; run again with --force`);
            process.exitCode = EXIT_FAILURE;
            return;
          }
          const removed = await service.reinitialize();
          out(`vault of ${opts.org} re-initialized: ${removed} secret(s) deleted; write them again (PUT /api/secrets/<name>) and re-set sealed webhook secrets and literal agent keys`);
        });
      });
    });

  secrets
    .command('unlock')
    .description('unlock the vault of one organization, or the global lock with --global (audited)')
    .option('--org <slug>', 'organization slug (default: the platform organization)')
    .option('--global', 'remove the global lock')
    .action(async (opts: { org?: string; global?: boolean }) => {
      await withAppContext(async (app) => {
        const status = await inOrganization(app, opts.org, () =>
          app.get(VaultLockService, { strict: false }).unlock(opts.global ? 'global' : 'organization'),
        );
        out(describeLock(status));
      });
    });
}
