import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { masterKey } from '../src/modules/secrets/crypto/master-key';
import { DataKeysService } from '../src/modules/secrets/services/data-keys.service';
import { MasterKeyRotationService } from '../src/modules/secrets/services/master-key-rotation.service';
import { SecretsService } from '../src/modules/secrets/services/secrets.service';
import { VaultService } from '../src/modules/secrets/vault.service';
import { startTestApp, TEST_ADMIN_KEY, TestApp, testEnv, waitFor } from './support/test-app';
import { createOrgWithKey, inOrg, KEY_1, KEY_2, sharedPostgres } from './support/vault-fixtures';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
/** The key every test app starts with (test/support/test-app.ts). */
const BOOT_KEY = testEnv().ENCRYPTION_KEY!;

/**
 * Several app instances on one PostgreSQL database (what replicas and the CLI
 * do in production): vault lock across instances and restarts, master-key
 * rotation under concurrent reads, the boot check of the master key.
 */
describe('Secrets vault across instances', () => {
  let db: Awaited<ReturnType<typeof sharedPostgres>>;
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string | undefined> = {}) => {
    const app = await startTestApp({ env: { DATABASE_URL: db!.url, ...env } });
    apps.push(app);
    return app;
  };
  const stop = async (app: TestApp) => {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  };
  /** Boots an app that is expected to refuse to start; returns the error. */
  const bootError = async (url: string, env: Record<string, string | undefined>): Promise<Error | undefined> => {
    const handle = await createApp(AppConfig.load(testEnv({ DATABASE_URL: url, ...env })));
    try {
      await handle.app.init();
      return undefined;
    } catch (err) {
      return err as Error;
    } finally {
      await handle.app.close().catch(() => {});
    }
  };
  let defaultOrg: string;

  beforeAll(async () => {
    db = await sharedPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const app of [...apps]) await app.close().catch(() => {});
    await db?.drop();
  });

  const maybe = (name: string, fn: () => Promise<void>, timeout?: number) =>
    it(name, async () => {
      if (!db) return console.warn('PostgreSQL not available (no TEST_DATABASE_URL, no initdb): skipped');
      await fn();
    }, timeout);

  maybe('a lock on one instance stops decryption on another within a second, survives a restart; unlock needs admin and is audited', async () => {
    const a = await start();
    const b = await start();
    defaultOrg = (await a.app.get(DataSource).query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
    await a.http().put('/api/secrets/DEPLOY_TOKEN').set(admin).send({ value: 'dt-1' }).expect(201);
    const resolveOn = (app: TestApp) => inOrg(defaultOrg, () => app.app.get(VaultService).resolve('secret:DEPLOY_TOKEN'));
    await expect(resolveOn(b)).resolves.toBe('dt-1');
    const sealed = await inOrg(defaultOrg, () => b.app.get(VaultService).seal('whsec'));

    const locked = await a.http().post('/api/secrets/lock').set(admin).send({ reason: 'INC-42' }).expect(200);
    expect(locked.body).toMatchObject({ locked: true, organization: { locked: true, reason: 'INC-42' }, global: { locked: false } });
    expect(locked.body.organization.by).toMatch(/^api_key:/);

    const refused = await waitFor(() => resolveOn(b).then(() => false, (err) => err), 3000, 'instance B to see the lock');
    expect(refused).toMatchObject({ code: 'VAULT_LOCKED', status: 423 });
    await expect(inOrg(defaultOrg, () => b.app.get(VaultService).open(sealed))).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    const state = await b.http().get('/api/secrets/lock').set(admin).expect(200);
    expect(state.body.locked).toBe(true);
    await b.http().get('/api/secrets').set(admin).expect(200); // metadata stays visible

    // Operators with write may lock, but only admins unlock.
    const writer = await createOrgWithKey(a.app, 'default', ['operator.write']);
    const denied = await b.http().delete('/api/secrets/lock').set(writer.auth).expect(403);
    expect(denied.body.code).toBe('MISSING_SCOPE');

    await stop(a);
    const a2 = await start();
    await expect(resolveOn(a2)).rejects.toMatchObject({ code: 'VAULT_LOCKED' });

    const unlocked = await b.http().delete('/api/secrets/lock').set(admin).expect(200);
    expect(unlocked.body.locked).toBe(false);
    await waitFor(() => resolveOn(a2).then((v) => v === 'dt-1', () => false), 3000, 'instance A2 to see the unlock');
    await expect(inOrg(defaultOrg, () => a2.app.get(VaultService).open(sealed))).resolves.toBe('whsec');

    const audit = await b.app.get(DataSource).query(
      `SELECT action, outcome, actor, details FROM audit_log WHERE action LIKE 'vault.%' ORDER BY seq`,
    );
    expect(audit.map((r: any) => [r.action, r.outcome])).toEqual([
      ['vault.lock', 'ok'],
      ['vault.unlock', 'ok'],
    ]);
    expect(audit[0].details).toMatchObject({ scope: 'organization', reason: 'INC-42' });
    const deniedReads = await b.app.get(DataSource).query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'secret.read' AND outcome = 'denied' AND details->>'code' = 'VAULT_LOCKED'`,
    );
    expect(deniedReads[0].n).toBeGreaterThanOrEqual(2);
    await stop(a2);
    await stop(b);
  }, 60_000);

  maybe('the global lock needs a platform administrator and stops every organization', async () => {
    const a = await start();
    const b = await start();
    const other = await createOrgWithKey(a.app, 'acme');
    await a.http().put('/api/secrets/ACME_KEY').set(other.auth).send({ value: 'acme-1' }).expect(201);

    const notPlatform = await a.http().post('/api/secrets/lock').set(other.auth).send({ scope: 'global' }).expect(403);
    expect(notPlatform.body.code).toBe('PLATFORM_ADMIN_REQUIRED');
    const badScope = await a.http().post('/api/secrets/lock').set(admin).send({ scope: 'everything' }).expect(400);
    expect(badScope.body.detail).toContain('scope');

    await a.http().post('/api/secrets/lock').set(admin).send({ scope: 'global', reason: 'vault compromise suspected' }).expect(200);
    const refused = await waitFor(
      () => inOrg(other.orgId, () => b.app.get(VaultService).resolve('secret:ACME_KEY')).then(() => false, (err) => err),
      3000,
      'the global lock on instance B',
    );
    expect(refused).toMatchObject({ code: 'VAULT_LOCKED' });
    expect(refused.extras).toEqual({ lock_scope: 'global' });
    const seen = await b.http().get('/api/secrets/lock').set(other.auth).expect(200);
    expect(seen.body).toMatchObject({ locked: true, organization: { locked: false }, global: { locked: true } });

    await a.http().delete('/api/secrets/lock').set(other.auth).send({ scope: 'global' }).expect(403);
    await a.http().delete('/api/secrets/lock').set(admin).send({ scope: 'global' }).expect(200);
    await waitFor(
      () => inOrg(other.orgId, () => b.app.get(VaultService).resolve('secret:ACME_KEY')).then((v) => v === 'acme-1', () => false),
      3000,
      'the global unlock on instance B',
    );
    await stop(a);
    await stop(b);
  }, 60_000);

  maybe('master-key rotation re-wraps every data key while another instance keeps reading; afterwards the old key is not needed', async () => {
    const seed = await start();
    const orgIds: string[] = [];
    for (let i = 0; i < 24; i++) orgIds.push((await createOrgWithKey(seed.app, `rot-${i}`)).orgId);
    for (const orgId of orgIds) {
      await inOrg(orgId, async () => {
        await seed.app.get(SecretsService).put('API_KEY', `api-${orgId}`);
        await seed.app.get(SecretsService).put('DB_PASSWORD', `db-${orgId}`);
      });
    }
    await stop(seed);

    const env = { ENCRYPTION_KEY: KEY_1, ENCRYPTION_KEY_PREVIOUS: BOOT_KEY };
    const reader = await start(env);
    const rotator = await start(env);
    const vault = reader.app.get(VaultService);
    const failures: unknown[] = [];
    let reads = 0;
    let rotating = true;
    let readsWhileRotating = 0;
    const readLoop = (async () => {
      while (rotating || reads < 2 * orgIds.length) {
        for (const orgId of orgIds) {
          reader.app.get(DataKeysService).forget(); // a cold replica: every read unwraps the data key
          try {
            const [apiKey, dbPassword] = await inOrg(orgId, () =>
              Promise.all([vault.resolve('secret:API_KEY'), vault.resolve('secret:DB_PASSWORD')]),
            );
            if (apiKey !== `api-${orgId}` || dbPassword !== `db-${orgId}`) failures.push(new Error(`wrong value in ${orgId}`));
          } catch (err) {
            failures.push(err);
          }
          reads++;
          if (rotating) readsWhileRotating++;
        }
      }
    })();
    const report = await rotator.app.get(MasterKeyRotationService).rotate({ batchSize: 2 });
    rotating = false;
    await readLoop;

    expect(failures).toEqual([]);
    expect(readsWhileRotating).toBeGreaterThan(0);
    expect(report).toMatchObject({ masterKeyId: masterKey(KEY_1).id, failed: [] });
    expect(report.rewrapped).toBeGreaterThanOrEqual(orgIds.length);
    const byKey = await rotator.app.get(DataSource).query(`SELECT master_key_id, count(*)::int AS n FROM data_keys GROUP BY 1`);
    expect(byKey).toEqual([{ master_key_id: masterKey(KEY_1).id, n: expect.any(Number) }]);
    const again = await rotator.app.get(MasterKeyRotationService).rotate();
    expect(again.rewrapped).toBe(0); // idempotent
    await stop(reader);
    await stop(rotator);

    const after = await start({ ENCRYPTION_KEY: KEY_1 }); // no ENCRYPTION_KEY_PREVIOUS
    for (const orgId of orgIds) {
      await expect(inOrg(orgId, () => after.app.get(VaultService).resolve('secret:DB_PASSWORD'))).resolves.toBe(`db-${orgId}`);
    }
    await expect(inOrg(defaultOrg, () => after.app.get(VaultService).resolve('secret:DEPLOY_TOKEN'))).resolves.toBeDefined();
    await stop(after);
  }, 120_000);

  maybe('a wrong or missing master key stops the boot with a message naming ENCRYPTION_KEY', async () => {
    const wrong = await bootError(db!.url, { ENCRYPTION_KEY: KEY_2 });
    expect(wrong?.name).toBe('MasterKeyMismatchError');
    expect(wrong?.message).toContain('ENCRYPTION_KEY does not match this database');
    expect(wrong?.message).toContain(masterKey(KEY_1).id);
    expect(wrong?.message).toContain(masterKey(KEY_2).id);
    expect(wrong?.message).not.toContain(KEY_1);
    expect(wrong?.message).not.toContain(KEY_2);

    const missing = await bootError(db!.url, { ENCRYPTION_KEY: undefined });
    expect(missing?.message).toMatch(/^ENCRYPTION_KEY is not set, but the database holds secrets/);

    const ok = await bootError(db!.url, { ENCRYPTION_KEY: KEY_2, ENCRYPTION_KEY_PREVIOUS: KEY_1 });
    expect(ok).toBeUndefined(); // mid-rotation: both keys held
  }, 60_000);

  maybe('with DATABASE_URL and no ENCRYPTION_KEY on an empty vault: the service starts, secrets answer 503 VAULT_UNCONFIGURED', async () => {
    const name = `cc_vault_unconf_${Date.now()}`;
    const admin_ = new Client({ connectionString: db!.url });
    await admin_.connect();
    await admin_.query(`CREATE DATABASE ${name}`);
    await admin_.end();
    const url = new URL(db!.url);
    url.pathname = `/${name}`;
    const app = await start({ DATABASE_URL: url.toString(), ENCRYPTION_KEY: undefined });
    for (const req of [
      app.http().get('/api/secrets'),
      app.http().put('/api/secrets/X').send({ value: 'v' }),
      app.http().get('/api/secrets/X'),
    ]) {
      const res = await req.set(admin).expect(503);
      expect(res.body.code).toBe('VAULT_UNCONFIGURED');
      expect(res.body.detail).toContain('ENCRYPTION_KEY');
    }
    const org = (await app.app.get(DataSource).query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
    await expect(inOrg(org, () => app.app.get(VaultService).resolve('secret:X'))).rejects.toMatchObject({ code: 'VAULT_UNCONFIGURED', status: 503 });
    await expect(inOrg(org, () => app.app.get(VaultService).resolve('literal'))).resolves.toBe('literal');
    await expect(inOrg(org, () => app.app.get(VaultService).seal('x'))).rejects.toMatchObject({ code: 'VAULT_UNCONFIGURED' });
    const health = await app.http().get('/api/health').set(admin).expect(200);
    expect(JSON.stringify(health.body)).toContain('"configured":false');
    const selfCheck = await app.http().get('/api/config/self_check').set(admin).expect(200);
    expect(selfCheck.body.risk_level).toBe('high');
    expect(selfCheck.body.warnings).toContainEqual(expect.objectContaining({ code: 'VAULT_UNCONFIGURED', severity: 'high' }));
    await stop(app);
  }, 60_000);
});
