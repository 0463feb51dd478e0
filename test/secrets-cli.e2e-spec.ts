import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { withAppContext } from '../src/cli/cli-context';
import { masterKey } from '../src/modules/secrets/crypto/master-key';
import { SecretsService } from '../src/modules/secrets/services/secrets.service';
import { CLI_BIN, ensureBuilt, runNode } from './support/build';
import { testEnv } from './support/test-app';
import { createScratchDatabase } from './support/test-db';
import { inOrg, KEY_1, KEY_2 } from './support/vault-fixtures';

/**
 * The operator commands of the vault, run as the built CLI against one
 * database: security audit, secrets rotate-master (new ENCRYPTION_KEY +
 * ENCRYPTION_KEY_PREVIOUS), then running without the old key; vault lock and
 * unlock while the service is down.
 */
describe('clawcontrol secrets / security CLI', () => {
  let dir: string;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dbEnv: Record<string, string>;
  const cli = (args: string[], env: Record<string, string | undefined>) => runNode([CLI_BIN, ...args], testEnv({ ...dbEnv, ...env }), 120_000);

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cc-vault-cli-'));
    scratch = await createScratchDatabase();
    dbEnv = scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: join(dir, 'data') };
    await withAppContext(
      async (app) => {
        const org = (await app.get(DataSource).query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
        await inOrg(org, async () => {
          await app.get(SecretsService).put('OPENAI_API_KEY', 'sk-cli-canary-1');
          await app.get(SecretsService).put('WEBHOOK_SECRET', 'whsec-cli-canary-2');
        });
      },
      { env: testEnv({ ...dbEnv, ENCRYPTION_KEY: KEY_1 }) },
    );
  }, 420_000);

  afterAll(async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('security audit passes on a healthy vault and fails, without printing values, on a stray credential', async () => {
    const ok = await cli(['security', 'audit'], { ENCRYPTION_KEY: KEY_1 });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`master key   ${masterKey(KEY_1).id} (env)`);
    expect(ok.stdout).toMatch(/checked\s+1 data key\(s\), 2 secret\(s\)/);
    expect(ok.stdout).toMatch(/^OK: no problems/m);
    expect(ok.code).toBe(0);

    const stray = await cli(['security', 'audit', '--json'], { ENCRYPTION_KEY: KEY_1, GITHUB_TOKEN: 'ghp_cli_stray_credential_9' });
    expect(stray.code).toBe(1);
    const report = JSON.parse(stray.stdout);
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([expect.objectContaining({ code: 'UNREFERENCED_SECRET_IN_ENV', severity: 'medium', target: 'env:GITHUB_TOKEN' })]);
    for (const value of ['ghp_cli_stray_credential_9', 'sk-cli-canary-1', 'whsec-cli-canary-2', KEY_1]) expect(stray.stdout + stray.stderr).not.toContain(value);
  }, 300_000);

  it('rotate-master needs the old key as ENCRYPTION_KEY_PREVIOUS, re-wraps, is idempotent, and the old key is then unnecessary', async () => {
    const withoutOld = await cli(['secrets', 'rotate-master'], { ENCRYPTION_KEY: KEY_2 });
    expect(withoutOld.code).toBe(1);
    expect(withoutOld.stderr).toContain('ENCRYPTION_KEY does not match this database');
    expect(withoutOld.stderr).toContain(masterKey(KEY_1).id);
    expect(withoutOld.stderr).not.toContain(KEY_2);

    const rotated = await cli(['secrets', 'rotate-master', '--batch-size', '1'], { ENCRYPTION_KEY: KEY_2, ENCRYPTION_KEY_PREVIOUS: KEY_1 });
    expect(rotated.stderr).toBe('');
    expect(rotated.stdout).toContain(`rotated to master key ${masterKey(KEY_2).id}: 1 re-wrapped, 0 already current, 0 failed`);
    expect(rotated.stdout).toContain('ENCRYPTION_KEY_PREVIOUS is no longer needed');
    expect(rotated.code).toBe(0);

    const again = await cli(['secrets', 'rotate-master'], { ENCRYPTION_KEY: KEY_2, ENCRYPTION_KEY_PREVIOUS: KEY_1 });
    expect(again.stdout).toContain('nothing to rotate');
    expect(again.code).toBe(0);

    const audit = await cli(['security', 'audit'], { ENCRYPTION_KEY: KEY_2 });
    expect(audit.stdout).toMatch(/checked\s+1 data key\(s\), 2 secret\(s\)/);
    expect(audit.code).toBe(0);

    const oldKey = await cli(['security', 'audit'], { ENCRYPTION_KEY: KEY_1 });
    expect(oldKey.code).toBe(1);
    expect(oldKey.stderr).toContain('ENCRYPTION_KEY does not match this database');

    const bad = await cli(['secrets', 'rotate-master', '--batch-size', '0'], { ENCRYPTION_KEY: KEY_2 });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--batch-size');
  }, 420_000);

  it('locks and unlocks the vault from the CLI (works while the service is down)', async () => {
    const locked = await cli(['secrets', 'lock', '--global', '--reason', 'emergency shutdown'], { ENCRYPTION_KEY: KEY_2 });
    expect(locked.stdout).toMatch(/global: locked since .* by cli \(emergency shutdown\)/);
    expect(locked.code).toBe(0);
    const audit = await cli(['security', 'audit'], { ENCRYPTION_KEY: KEY_2 });
    expect(audit.stdout).toMatch(/INFO\s+VAULT_LOCKED\s+vault:global/);
    const unlocked = await cli(['secrets', 'unlock', '--global'], { ENCRYPTION_KEY: KEY_2 });
    expect(unlocked.stdout).toContain('global: unlocked');
    const unknownOrg = await cli(['secrets', 'lock', '--org', 'nope'], { ENCRYPTION_KEY: KEY_2 });
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain('no organization with slug "nope"');
  }, 420_000);

  it('reinit asks for --force, then deletes the organization vault so it can start over', async () => {
    const dryRun = await cli(['secrets', 'reinit', '--org', 'default'], { ENCRYPTION_KEY: KEY_2 });
    expect(dryRun.stdout).toContain('would delete 2 secret(s)');
    expect(dryRun.code).toBe(1);
    const forced = await cli(['secrets', 'reinit', '--org', 'default', '--force'], { ENCRYPTION_KEY: KEY_2 });
    expect(forced.stdout).toContain('vault of default re-initialized: 2 secret(s) deleted');
    expect(forced.code).toBe(0);
    const audit = await cli(['security', 'audit'], { ENCRYPTION_KEY: KEY_1 }); // nothing left that needs the old key
    expect(audit.stdout).toMatch(/checked\s+0 data key\(s\), 0 secret\(s\)/);
    expect(audit.code).toBe(0);
  }, 420_000);
});
