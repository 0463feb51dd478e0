import { DataSource } from 'typeorm';
import { DataKeysService } from '../src/modules/secrets/services/data-keys.service';
import { SecurityAuditService } from '../src/modules/secrets/services/security-audit.service';
import { toSelfCheckWarnings } from '../src/modules/secrets/services/vault-reporting.service';
import { VaultService } from '../src/modules/secrets/vault.service';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';
import { createOrgWithKey, inOrg } from './support/vault-fixtures';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** Flips one bit inside the ciphertext part of a `v1.<iv>.<ct>.<tag>` envelope. */
function flipCiphertextBit(envelope: string): string {
  const [v, iv, ct, tag] = envelope.split('.');
  const bytes = Buffer.from(ct, 'base64url');
  bytes[bytes.length >> 1] ^= 0x04;
  return [v, iv, bytes.toString('base64url'), tag].join('.');
}

describe('Secrets vault: organization isolation, tamper detection, security audit', () => {
  let app: TestApp;
  let ds: DataSource;
  let vault: VaultService;
  let defaultOrg: string;
  let other: Awaited<ReturnType<typeof createOrgWithKey>>;
  const resolveIn = (orgId: string, name: string) => {
    app.app.get(DataKeysService).forget(); // no cached data key: every check reads the stored rows
    return inOrg(orgId, () => vault.resolve(`secret:${name}`));
  };

  beforeAll(async () => {
    app = await startTestApp({ env: { GITHUB_TOKEN: 'ghp_stray_token_in_env_1234' } });
    ds = app.app.get(DataSource);
    vault = app.app.get(VaultService);
    defaultOrg = (await ds.query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
    other = await createOrgWithKey(app.app, 'other-team');
    for (const name of ['SHARED_NAME', 'A', 'B', 'C']) {
      await app.http().put(`/api/secrets/${name}`).set(admin).send({ value: `default-${name}` }).expect(201);
    }
  });
  afterAll(() => app.close());

  it("another organization sees none of these secrets: 404 by name, empty list, its own value under the same name", async () => {
    const get = await app.http().get('/api/secrets/SHARED_NAME').set(other.auth).expect(404);
    expect(get.body.code).toBe('SECRET_NOT_FOUND');
    await app.http().delete('/api/secrets/SHARED_NAME').set(other.auth).expect(404);
    const list = await app.http().get('/api/secrets').set(other.auth).expect(200);
    expect(list.body).toMatchObject({ items: [], total: 0 });
    await expect(resolveIn(other.orgId, 'SHARED_NAME')).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });

    await app.http().put('/api/secrets/SHARED_NAME').set(other.auth).send({ value: 'other-value' }).expect(201);
    await expect(resolveIn(other.orgId, 'SHARED_NAME')).resolves.toBe('other-value');
    await expect(resolveIn(defaultOrg, 'SHARED_NAME')).resolves.toBe('default-SHARED_NAME');
    const keys = await ds.query(`SELECT organization_id FROM data_keys ORDER BY created_at`);
    expect(new Set(keys.map((k: any) => k.organization_id))).toEqual(new Set([defaultOrg, other.orgId])); // one data key each
  });

  it('a flipped byte in a ciphertext is detected as SECRET_TAMPERED, never returned as garbage', async () => {
    const [row] = await ds.query(`SELECT id, ciphertext FROM secrets WHERE organization_id = $1 AND name = 'A'`, [defaultOrg]);
    await ds.query(`UPDATE secrets SET ciphertext = $1 WHERE id = $2`, [flipCiphertextBit(row.ciphertext), row.id]);
    const err = await resolveIn(defaultOrg, 'A').catch((e) => e);
    expect(err).toMatchObject({ code: 'SECRET_TAMPERED' });
    expect(err.message).toContain('secret "A"');
  });

  it('ciphertexts swapped between rows or moved to another organization do not decrypt', async () => {
    const [b] = await ds.query(`SELECT ciphertext FROM secrets WHERE organization_id = $1 AND name = 'B'`, [defaultOrg]);
    await ds.query(`UPDATE secrets SET ciphertext = $1 WHERE organization_id = $2 AND name = 'C'`, [b.ciphertext, defaultOrg]);
    await expect(resolveIn(defaultOrg, 'C')).rejects.toMatchObject({ code: 'SECRET_TAMPERED' });
    await expect(resolveIn(defaultOrg, 'B')).resolves.toBe('default-B');

    const [mine] = await ds.query(`SELECT ciphertext, data_key_id FROM secrets WHERE organization_id = $1 AND name = 'SHARED_NAME'`, [defaultOrg]);
    await ds.query(`UPDATE secrets SET ciphertext = $1, data_key_id = $2 WHERE organization_id = $3 AND name = 'SHARED_NAME'`, [
      mine.ciphertext,
      mine.data_key_id,
      other.orgId,
    ]);
    await expect(resolveIn(other.orgId, 'SHARED_NAME')).rejects.toMatchObject({ code: 'SECRET_TAMPERED' });
  });

  it('the security audit lists every broken secret and plaintext credential, without printing any value', async () => {
    await ds.query(`INSERT INTO agents (organization_id, id, name, provider) VALUES ($1, 'leaky', 'Leaky', $2::jsonb), ($1, 'dangling', 'Dangling', $3::jsonb)`, [
      defaultOrg,
      JSON.stringify({ type: 'openai', apiKey: 'sk-literal-in-agents-table-123' }),
      JSON.stringify({ type: 'openai', apiKey: 'secret:NOT_THERE' }),
    ]);
    const report = await app.app.get(SecurityAuditService).run();
    expect(report.ok).toBe(false);
    expect(report.checked).toMatchObject({ data_keys: 2, secrets: 5 });
    const found = report.findings.map((f) => `${f.severity} ${f.code} ${f.target}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'high SECRET_TAMPERED org:default/secret:A',
        'high SECRET_TAMPERED org:default/secret:C',
        'high SECRET_TAMPERED org:other-team/secret:SHARED_NAME',
        'high PLAINTEXT_SECRET_IN_CONFIG org:default/agent:leaky',
        'medium SECRET_REFERENCE_DANGLING org:default/agent:dangling',
        'medium UNREFERENCED_SECRET_IN_ENV env:GITHUB_TOKEN',
      ]),
    );
    expect(found.filter((f) => f.includes('secret:B'))).toEqual([]);
    const text = JSON.stringify(report);
    for (const value of ['default-B', 'other-value', 'sk-literal-in-agents-table-123', 'ghp_stray_token_in_env_1234']) expect(text).not.toContain(value);

    const warnings = toSelfCheckWarnings(report.findings);
    const tampered = warnings.find((w) => w.code === 'SECRET_TAMPERED');
    expect(tampered).toMatchObject({ severity: 'high' });
    expect(tampered!.message).toContain('3 places');

    // The self-check shows each organization its own findings only.
    const mine = await app.http().get('/api/config/self_check').set(admin).expect(200);
    expect(mine.body.risk_level).toBe('high');
    const mineTampered = mine.body.warnings.find((w: any) => w.code === 'SECRET_TAMPERED');
    expect(mineTampered.message).toContain('2 places: org:default/secret:A, org:default/secret:C');
    expect(JSON.stringify(mine.body)).not.toContain('other-team');
    expect(mine.body.warnings.map((w: any) => w.code)).toEqual(expect.arrayContaining(['PLAINTEXT_SECRET_IN_CONFIG', 'UNREFERENCED_SECRET_IN_ENV']));
    const theirs = await app.http().get('/api/config/self_check').set(other.auth).expect(200);
    expect(theirs.body.warnings.find((w: any) => w.code === 'SECRET_TAMPERED').message).toContain('org:other-team/secret:SHARED_NAME');
    expect(JSON.stringify(theirs.body)).not.toContain('org:default');
    for (const value of ['sk-literal-in-agents-table-123', 'ghp_stray_token_in_env_1234']) expect(JSON.stringify([mine.body, theirs.body])).not.toContain(value);
  });

  it('a tampered data key makes every secret of its organization fail as tampered, and the audit names it', async () => {
    const [key] = await ds.query(`SELECT id, wrapped_key FROM data_keys WHERE organization_id = $1`, [other.orgId]);
    await ds.query(`UPDATE data_keys SET wrapped_key = $1 WHERE id = $2`, [flipCiphertextBit(key.wrapped_key), key.id]);
    await app.http().put('/api/secrets/FRESH').set(other.auth).send({ value: 'v' }).expect(500); // cannot encrypt under a broken data key
    await expect(resolveIn(other.orgId, 'SHARED_NAME')).rejects.toMatchObject({ code: 'SECRET_TAMPERED' });
    const report = await app.app.get(SecurityAuditService).run();
    expect(report.findings.map((f) => `${f.code} ${f.target}`)).toContain('DATA_KEY_TAMPERED org:other-team/data_key');
  });

  it('reports the vault in /api/health', async () => {
    const res = await app.http().get('/api/health').set(admin).expect(200);
    expect(JSON.stringify(res.body)).toMatch(/"vault":\{"configured":true,"key_source":"env","master_key_id":"mk_[0-9a-f]{16}"/);
  });
});
