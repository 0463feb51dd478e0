import { DataSource } from 'typeorm';
import { ADMIN, bearer, createKey } from './auth-helpers';
import { startTestApp, TestApp } from './support/test-app';

describe('audit log', () => {
  let app: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    app = await startTestApp();
    ds = app.app.get(DataSource);
  });
  afterAll(() => app.close());

  it('records key create, rotate and revoke, denied access, lockdown and notes, with actor and request id', async () => {
    const key = await createKey(app, ['operator.read']);
    const rotated = (await app.http().post(`/api/auth/api_keys/${key.id}/rotate`).set(ADMIN).expect(201))
      .body;
    await app
      .http()
      .delete(`/api/auth/api_keys/${rotated.id}`)
      .set(ADMIN)
      .set('X-Request-Id', 'req-revoke-1')
      .expect(200);
    await app.http().get('/api/audit').set(bearer(rotated.api_key)).expect(401);
    await app.http().post('/api/admin/lockdown').set(ADMIN).send({ reason: 'drill' }).expect(200);
    await app.http().delete('/api/admin/lockdown').set(ADMIN).expect(200);
    const res = await app.http().get('/api/audit?limit=100').set(ADMIN).expect(200);
    const actions = res.body.items.map((e: any) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'api_key.create',
        'api_key.rotate',
        'api_key.revoke',
        'auth.authentication_failed',
        'lockdown.enable',
        'lockdown.disable',
      ]),
    );
    const revoke = res.body.items.find((e: any) => e.action === 'api_key.revoke');
    expect(revoke).toMatchObject({
      actor: expect.stringMatching(/^api_key:/),
      request_id: 'req-revoke-1',
      outcome: 'ok',
      ip: expect.any(String),
    });
    // Newest first, contiguous sequence numbers, each row linked to the previous one.
    const seqs = res.body.items.map((e: any) => Number(e.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(JSON.stringify(res.body)).not.toContain(rotated.api_key);
  });

  it('filters by actor, action prefix, outcome and time range; bad filters are named', async () => {
    const key = await createKey(app, ['operator.write']);
    const actor = (await app.http().get('/api/auth/status').set(bearer(key.token))).body.actor;
    await app.http().post('/api/audit/notes').set(bearer(key.token)).send({ message: 'first' }).expect(201);
    const byActor = await app
      .http()
      .get(`/api/audit?actor=${encodeURIComponent(actor)}`)
      .set(ADMIN)
      .expect(200);
    expect(byActor.body.items.map((e: any) => e.action)).toEqual(['audit.note']);
    const denied = await app.http().get('/api/audit?outcome=denied').set(ADMIN).expect(200);
    expect(denied.body.items.every((e: any) => e.outcome === 'denied')).toBe(true);
    const prefix = await app.http().get('/api/audit?action=api_key.').set(ADMIN).expect(200);
    expect(prefix.body.items.length).toBeGreaterThan(0);
    expect(prefix.body.items.every((e: any) => e.action.startsWith('api_key.'))).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await app.http().get(`/api/audit?since=${future}`).set(ADMIN).expect(200)).body.total).toBe(0);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await app.http().get(`/api/audit?until=${past}`).set(ADMIN).expect(200)).body.total).toBe(0);
    expect((await app.http().get('/api/audit?since=yesterday').set(ADMIN).expect(400)).body.detail).toContain(
      'since',
    );
    expect(
      (await app.http().get(`/api/audit?since=${future}&until=${past}`).set(ADMIN).expect(400)).body.code,
    ).toBe('INVALID_RANGE');
    expect((await app.http().get('/api/audit?outcome=maybe').set(ADMIN).expect(400)).body.detail).toContain(
      'outcome',
    );
    expect((await app.http().get('/api/audit?limit=0').set(ADMIN).expect(400)).body.detail).toContain(
      'limit',
    );
  });

  it('exports CSV with a header row, RFC 4180 quoting and neutralized formulas', async () => {
    await app
      .http()
      .post('/api/audit/notes')
      .set(ADMIN)
      .send({ message: 'comma, "quote"\nnewline', target: '=HYPERLINK("http://evil")' })
      .expect(201);
    const res = await app.http().get('/api/audit?format=csv&action=audit.note').set(ADMIN).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-.*\.csv"$/);
    const text: string = res.text;
    const [header] = text.split('\r\n');
    expect(header).toBe(
      'seq,created_at,organization_id,actor,action,target,outcome,ip,request_id,details,prev_hash,hash',
    );
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain('"{""message"":""comma, \\""quote\\""\\nnewline""}"');
    expect(Number(res.headers['x-total-count'])).toBeGreaterThanOrEqual(2);
    const reader = await createKey(app, ['operator.read']);
    await app.http().get('/api/audit?format=csv').set(bearer(reader.token)).expect(403);
    await app.http().get('/api/audit?format=xml').set(ADMIN).expect(400);
  });

  it('verify walks the chain; an edited row is reported by its seq, then a deleted one', async () => {
    const ok = await app.http().get('/api/audit/verify').set(ADMIN).expect(200);
    expect(ok.body.ok).toBe(true);
    expect(ok.body.checked).toBeGreaterThan(10);

    const note = (
      await app.http().post('/api/audit/notes').set(ADMIN).send({ message: 'original' }).expect(201)
    ).body;
    await app.http().post('/api/audit/notes').set(ADMIN).send({ message: 'after' }).expect(201);
    // Edit one row behind the service's back.
    const [orig] = await ds.query('SELECT details FROM audit_log WHERE seq = $1', [note.seq]);
    await ds.query(`UPDATE audit_log SET details = '{"message":"forged"}'::jsonb WHERE seq = $1`, [note.seq]);
    const edited = await app.http().get('/api/audit/verify').set(ADMIN).expect(200);
    expect(edited.body).toMatchObject({
      ok: false,
      first_broken_seq: note.seq,
      reason: expect.stringContaining('edited'),
    });
    await ds.query('UPDATE audit_log SET details = $1::jsonb WHERE seq = $2', [
      JSON.stringify(orig.details),
      note.seq,
    ]);
    expect((await app.http().get('/api/audit/verify').set(ADMIN).expect(200)).body.ok).toBe(true);

    // Delete a row: the next row no longer links to its predecessor.
    await ds.query('DELETE FROM audit_log WHERE seq = $1', [note.seq]);
    const deleted = await app.http().get('/api/audit/verify').set(ADMIN).expect(200);
    expect(deleted.body).toMatchObject({
      ok: false,
      first_broken_seq: String(Number(note.seq) + 1),
      reason: expect.stringContaining('deleted'),
    });
    expect(deleted.body.checked).toBe(Number(note.seq) - 1);
  });
});
