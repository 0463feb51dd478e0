import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal, systemPrincipal } from '../src/common/context/principal';
import { RequestContext } from '../src/common/context/request-context';
import { VaultService } from '../src/modules/secrets/vault.service';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const PLAINTEXT = 'sk-live-PLAINTEXT-canary-7f3a9c';

describe('Secrets vault: REST, encryption at rest, references, audit', () => {
  let app: TestApp;
  let ds: DataSource;
  let vault: VaultService;
  let orgId: string;

  const asOrg = <T>(fn: () => Promise<T>, principal?: Principal) =>
    RequestContext.run({ requestId: randomUUID(), transport: 'system', principal: principal ?? systemPrincipal(orgId) }, fn);

  beforeAll(async () => {
    app = await startTestApp();
    ds = app.app.get(DataSource);
    vault = app.app.get(VaultService);
    orgId = (await ds.query(`SELECT id FROM organizations WHERE slug = 'default'`))[0].id;
  });
  afterAll(() => app.close());

  it('PUT creates (201) then replaces (200) a secret and answers metadata only, never the value', async () => {
    const created = await app.http().put('/api/secrets/OPENAI_API_KEY').set(admin).send({ value: PLAINTEXT }).expect(201);
    expect(created.body).toMatchObject({ name: 'OPENAI_API_KEY', reference: 'secret:OPENAI_API_KEY', rotated_at: null, last_read_at: null });
    expect(created.body.created_by).toMatch(/^api_key:/);
    expect(JSON.stringify(created.body)).not.toContain(PLAINTEXT);
    expect(created.body).not.toHaveProperty('value');

    const replaced = await app.http().put('/api/secrets/OPENAI_API_KEY').set(admin).send({ value: `${PLAINTEXT}-v2` }).expect(200);
    expect(replaced.body.rotated_at).not.toBeNull();

    const one = await app.http().get('/api/secrets/OPENAI_API_KEY').set(admin).expect(200);
    const list = await app.http().get('/api/secrets').set(admin).expect(200);
    expect(list.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(list.body.items[0].name).toBe('OPENAI_API_KEY');
    for (const body of [one.body, list.body]) expect(JSON.stringify(body)).not.toContain(PLAINTEXT);
  });

  it('keeps no plaintext at rest: the raw tables hold only ciphertext and wrapped keys', async () => {
    const rows = await ds.query(`SELECT * FROM secrets`);
    const keys = await ds.query(`SELECT * FROM data_keys`);
    expect(rows).toHaveLength(1);
    expect(keys).toHaveLength(1);
    const dump = JSON.stringify([rows, keys]);
    expect(dump).not.toContain(PLAINTEXT);
    expect(dump).not.toContain(Buffer.from(PLAINTEXT).toString('base64'));
    expect(dump).not.toContain(Buffer.from(PLAINTEXT).toString('hex'));
    expect(rows[0].ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(keys[0].master_key_id).toMatch(/^mk_[0-9a-f]{16}$/);
  });

  it('resolves secret:<name> within the organization, audits the read and records who read it', async () => {
    const before = Number((await ds.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'secret.read'`))[0].n);
    const reader: Principal = { ...systemPrincipal(orgId), kind: 'api_key', id: 'k1', actor: 'api_key:cc_reader000001' };
    await expect(asOrg(() => vault.resolve('secret:OPENAI_API_KEY'), reader)).resolves.toBe(`${PLAINTEXT}-v2`);
    await expect(asOrg(() => vault.resolve('plain-value'))).resolves.toBe('plain-value');

    const audit = await ds.query(`SELECT actor, action, target, outcome FROM audit_log WHERE action = 'secret.read' ORDER BY seq`);
    expect(audit).toHaveLength(before + 1);
    expect(audit[audit.length - 1]).toEqual({ actor: 'api_key:cc_reader000001', action: 'secret.read', target: 'secret:OPENAI_API_KEY', outcome: 'ok' });
    expect(JSON.stringify(await ds.query(`SELECT * FROM audit_log`))).not.toContain(PLAINTEXT);

    const meta = await app.http().get('/api/secrets/OPENAI_API_KEY').set(admin).expect(200);
    expect(meta.body.last_read_by).toBe('api_key:cc_reader000001');
    expect(meta.body.last_read_at).not.toBeNull();
  });

  it('a reference to a missing secret fails with SECRET_NOT_FOUND (and the attempt is audited)', async () => {
    await expect(asOrg(() => vault.resolve('secret:NOPE'))).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND', status: 404 });
    await expect(asOrg(() => vault.resolve('secret:not a name!'))).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
    const denied = await ds.query(`SELECT outcome, details FROM audit_log WHERE action = 'secret.read' AND target = 'secret:NOPE'`);
    expect(denied).toEqual([{ outcome: 'denied', details: { code: 'SECRET_NOT_FOUND' } }]);
  });

  it('seal/open keep a value encrypted for other modules; a tampered or foreign sealed value is refused', async () => {
    const sealed = await asOrg(() => vault.seal('whsec_abc'));
    expect(sealed).toMatch(/^sealed:v1:/);
    expect(sealed).not.toContain('whsec_abc');
    await expect(asOrg(() => vault.open(sealed))).resolves.toBe('whsec_abc');
    const flipped = sealed.slice(0, -3) + (sealed.slice(-3, -2) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    await expect(asOrg(() => vault.open(flipped))).rejects.toMatchObject({ code: 'SECRET_TAMPERED' });
    await expect(asOrg(() => vault.open('garbage'))).rejects.toMatchObject({ code: 'SEALED_VALUE_INVALID', status: 400 });
  });

  it('rejects bad names, empty and oversized values, unknown fields, with 4xx naming the problem', async () => {
    const bad = await app.http().put('/api/secrets/bad%20name').set(admin).send({ value: 'x' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'SECRET_NAME_INVALID' });
    expect(bad.body.detail).toContain('A-Z a-z 0-9 _ . -');
    await app.http().put(`/api/secrets/${'a'.repeat(129)}`).set(admin).send({ value: 'x' }).expect(400);
    const reserved = await app.http().put('/api/secrets/lock').set(admin).send({ value: 'x' }).expect(400);
    expect(reserved.body.code).toBe('SECRET_NAME_RESERVED');
    const empty = await app.http().put('/api/secrets/EMPTY').set(admin).send({ value: '' }).expect(400);
    expect(empty.body.detail).toContain('value');
    const missing = await app.http().put('/api/secrets/MISSING').set(admin).send({}).expect(400);
    expect(missing.body.detail).toContain('value');
    const notString = await app.http().put('/api/secrets/NUM').set(admin).send({ value: 42 }).expect(400);
    expect(notString.body.detail).toContain('value');
    const extra = await app.http().put('/api/secrets/EXTRA').set(admin).send({ value: 'x', note: 'y' }).expect(400);
    expect(extra.body.detail).toContain('note');
    const big = await app.http().put('/api/secrets/BIG').set(admin).send({ value: 'x'.repeat(65537) }).expect(413);
    expect(big.body).toMatchObject({ code: 'SECRET_TOO_LARGE' });
    expect(big.body.detail).toContain('SECRETS_MAX_VALUE_BYTES');
    await app.http().get('/api/secrets/NOPE').set(admin).expect(404);
    await app.http().delete('/api/secrets/NOPE').set(admin).expect(404);
    const listBad = await app.http().get('/api/secrets?limit=0').set(admin).expect(400);
    expect(listBad.body.detail).toContain('limit');
  });

  it('DELETE removes a secret; references to it then fail', async () => {
    await app.http().put('/api/secrets/TEMP.token').set(admin).send({ value: 'tmp' }).expect(201);
    const del = await app.http().delete('/api/secrets/TEMP.token').set(admin).expect(200);
    expect(del.body).toEqual({ name: 'TEMP.token', deleted: true });
    await expect(asOrg(() => vault.resolve('secret:TEMP.token'))).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
    const actions = (await ds.query(`SELECT action FROM audit_log WHERE target = 'secret:TEMP.token' ORDER BY seq`)).map((r: any) => r.action);
    expect(actions).toEqual(['secret.create', 'secret.delete', 'secret.read']);
  });
});

describe('Secrets vault: OpenAPI', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('documents every vault route in a valid OpenAPI document, with no value field in any response', async () => {
    const SwaggerParser = require('@apidevtools/swagger-parser');
    const doc = (await app.http().get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/secrets/lock']).sort()).toEqual(['delete', 'get', 'post']);
    expect(Object.keys(doc.paths['/api/secrets/{name}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(doc.paths['/api/secrets'].get.tags).toEqual(['secrets']);
    expect(doc.components.schemas.SecretView.properties).not.toHaveProperty('value');
    expect(doc.components.schemas.PutSecretDto.required).toEqual(['value']);
    await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
  });
});
