import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { DatabaseConfig } from '../src/config/database.config';
import { masterKey } from '../src/modules/secrets/crypto/master-key';
import { SecretsConfig } from '../src/modules/secrets/secrets.config';
import { MasterKeyring } from '../src/modules/secrets/services/master-keyring.service';
import { VaultService } from '../src/modules/secrets/vault.service';
import { startTestApp, TEST_ADMIN_KEY, testEnv } from './support/test-app';
import { inOrg, KEY_2 } from './support/vault-fixtures';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/**
 * Embedded mode with nothing configured (`npm start` on a fresh clone): the
 * vault generates its master key in DATA_DIR/encryption.key (0600) on first
 * boot, keeps using it, and refuses to boot when the file no longer matches.
 */
describe('Secrets vault: embedded mode without ENCRYPTION_KEY', () => {
  let dir: string;
  const env = () => ({ DATA_DIR: join(dir, 'data'), ENCRYPTION_KEY: undefined, DATABASE_URL: undefined });
  const keyFile = () => join(dir, 'data', 'encryption.key');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-vault-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a 0600 key file on first boot and reads secrets with it after a restart', async () => {
    const first = await startTestApp({ env: env() });
    try {
      expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
      expect(readFileSync(keyFile(), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
      await first.http().put('/api/secrets/SLACK_TOKEN').set(admin).send({ value: 'xoxb-1' }).expect(201);
      const health = await first.http().get('/api/health').set(admin).expect(200);
      expect(JSON.stringify(health.body)).toContain('"key_source":"key_file"');
    } finally {
      await first.close();
    }
    const generated = readFileSync(keyFile(), 'utf8');

    const second = await startTestApp({ env: env() });
    try {
      expect(readFileSync(keyFile(), 'utf8')).toBe(generated);
      const org = (await second.app.get(DataSource).query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
      await expect(inOrg(org, () => second.app.get(VaultService).resolve('secret:SLACK_TOKEN'))).resolves.toBe('xoxb-1');
      const pgdata = JSON.stringify(await second.app.get(DataSource).query(`SELECT * FROM secrets`));
      expect(pgdata).not.toContain('xoxb-1');
    } finally {
      await second.close();
    }
  }, 120_000);

  it('refuses to boot when the key file holds another key or garbage, naming the file and ENCRYPTION_KEY', async () => {
    const original = readFileSync(keyFile(), 'utf8');
    const bootError = async () => {
      const handle = await createApp(AppConfig.load(testEnv(env())));
      try {
        await handle.app.init();
        return undefined;
      } catch (err) {
        return err as Error;
      } finally {
        await handle.shutdown('test').catch(() => {});
      }
    };
    try {
      writeFileSync(keyFile(), `${KEY_2}\n`);
      const wrong = await bootError();
      expect(wrong?.message).toContain('ENCRYPTION_KEY does not match this database');
      expect(wrong?.message).toContain(`${masterKey(original).id}`);
      expect(wrong?.message).toContain(keyFile());

      // A damaged file is refused while the keyring is built (before anything touches the database).
      writeFileSync(keyFile(), 'garbage\n');
      const config = AppConfig.load(testEnv(env()));
      expect(() => new MasterKeyring(config.get(SecretsConfig), config.get(DatabaseConfig))).toThrow(
        `${keyFile()} does not hold a valid master key: must be 64 hex characters or base64 of 32 bytes`,
      );
    } finally {
      writeFileSync(keyFile(), original, { mode: 0o600 });
    }
  }, 120_000);
});
