import { ADMIN, bearer, browser, createKey, createUser, login } from './auth-helpers';
import { startTestApp, TestApp } from './support/test-app';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'Vq8-long-admin-pass-xz';

describe('users and browser sessions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, RATE_LIMIT_LOGIN: '50/60' } });
  });
  afterAll(() => app.close());

  it('ADMIN_EMAIL/ADMIN_PASSWORD bootstrap an admin who can sign in; cookies are HttpOnly, SameSite=Strict, Path=/', async () => {
    const s = await login(app, ADMIN_EMAIL.toUpperCase(), ADMIN_PASSWORD);
    expect(s.body).toMatchObject({
      ok: true,
      csrf_token: expect.any(String),
      user: { email: ADMIN_EMAIL, role: 'admin' },
    });
    expect(new Date(s.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    const session = s.setCookie.find((c) => c.startsWith('mc_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/i); // plain http test server, COOKIE_SECURE=auto
    const csrf = s.setCookie.find((c) => c.startsWith('mc_csrf='))!;
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(csrf).toContain(s.csrf);

    const status = await app.http().get('/api/auth/status').set({ Cookie: s.cookie }).expect(200);
    expect(status.body).toMatchObject({
      authenticated: true,
      kind: 'user',
      platform_admin: true,
      csrf_required: true,
      user: { email: ADMIN_EMAIL, role: 'admin' },
      organization: { slug: 'default' },
    });
    expect(status.body.scopes).toEqual([
      'operator.admin',
      'operator.approvals',
      'operator.read',
      'operator.write',
    ]);
    expect(status.body.expires_at).toBe(s.body.expires_at);
  });

  it('status without credentials says so; with bad credentials it answers 401', async () => {
    const anon = await app.http().get('/api/auth/status').expect(200);
    expect(anon.body).toMatchObject({ authenticated: false });
    await app
      .http()
      .get('/api/auth/status')
      .set(bearer('cc_0123456789ab_' + 'x'.repeat(40)))
      .expect(401);
    await app.http().get('/api/auth/status').set({ Cookie: 'mc_session=garbage' }).expect(401);
  });

  it('mutating requests with a cookie session need x-csrf-token matching mc_csrf', async () => {
    const s = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const body = { label: 'from-browser', scopes: ['operator.read'] };
    const missing = await app.http().post('/api/auth/api_keys').set(browser(s, false)).send(body).expect(403);
    expect(missing.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await app
      .http()
      .post('/api/auth/api_keys')
      .set({ Cookie: s.cookie, 'x-csrf-token': 'f'.repeat(64) })
      .send(body)
      .expect(403);
    expect(wrong.body.code).toBe('CSRF_TOKEN_INVALID');
    // The header alone is not enough: it must equal the mc_csrf cookie too.
    await app
      .http()
      .post('/api/auth/api_keys')
      .set({ Cookie: s.sessionCookie, 'x-csrf-token': s.csrf })
      .send(body)
      .expect(403);
    // Another session's token does not fit this session.
    const other = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
    await app
      .http()
      .post('/api/auth/api_keys')
      .set({ Cookie: s.cookie, 'x-csrf-token': other.csrf })
      .send(body)
      .expect(403);
    // Safe methods need no token; a matching token passes.
    await app.http().get('/api/auth/api_keys').set({ Cookie: s.cookie }).expect(200);
    const ok = await app.http().post('/api/auth/api_keys').set(browser(s)).send(body).expect(201);
    expect(ok.body.api_key).toMatch(/^cc_/);
    // Bearer requests never need CSRF (browsers do not attach them on their own).
    await app.http().post('/api/auth/api_keys').set(ADMIN).send(body).expect(201);
  });

  it('wrong password, unknown user and disabled user get the same 401 INVALID_LOGIN, with similar timing', async () => {
    await createUser(app, 'gone@example.com', 'Ghost-acct-pass-123', 'viewer');
    const users = await app.http().get('/api/auth/users').set(ADMIN).expect(200);
    const gone = users.body.items.find((u: any) => u.email === 'gone@example.com');
    await app.http().patch(`/api/auth/users/${gone.id}`).set(ADMIN).send({ disabled: true }).expect(200);

    const attempt = async (email: string, password: string) => {
      const started = process.hrtime.bigint();
      const res = await app.http().post('/api/auth/login').send({ email, password });
      return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const wrong = await attempt(ADMIN_EMAIL, 'not-the-password-123');
    const unknown = await attempt('nobody@example.com', 'not-the-password-123');
    const disabled = await attempt('gone@example.com', 'Ghost-acct-pass-123');
    for (const { res } of [wrong, unknown, disabled]) {
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_LOGIN');
      expect(res.body.detail).toBe('invalid email or password');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Unknown users are verified against a dummy argon2id hash: no fast path.
    expect(unknown.ms).toBeGreaterThan(wrong.ms / 4);
  });

  it('validates login bodies, naming the field', async () => {
    const missing = await app.http().post('/api/auth/login').send({ email: ADMIN_EMAIL }).expect(400);
    expect(missing.body.detail).toContain('password');
    const extra = await app
      .http()
      .post('/api/auth/login')
      .send({ email: ADMIN_EMAIL, password: 'x', remember: true })
      .expect(400);
    expect(extra.body.detail).toContain('remember');
    await app
      .http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email":')
      .expect(400);
  });

  it('password change needs the current password, rejects weak ones and ends the other sessions', async () => {
    await createUser(app, 'op@example.com', 'Operator-pass-0001', 'operator');
    const a = await login(app, 'op@example.com', 'Operator-pass-0001');
    const b = await login(app, 'op@example.com', 'Operator-pass-0001');
    const wrong = await app
      .http()
      .post('/api/auth/password')
      .set(browser(a))
      .send({ current_password: 'nope-nope-nope', new_password: 'Brand-new-pass-9876' })
      .expect(403);
    expect(wrong.body.code).toBe('INVALID_CURRENT_PASSWORD');
    const weak = await app
      .http()
      .post('/api/auth/password')
      .set(browser(a))
      .send({ current_password: 'Operator-pass-0001', new_password: 'short' })
      .expect(422);
    expect(weak.body.code).toBe('WEAK_PASSWORD');
    expect(weak.body.detail).toContain('new_password');
    const changed = await app
      .http()
      .post('/api/auth/password')
      .set(browser(a))
      .send({ current_password: 'Operator-pass-0001', new_password: 'Brand-new-pass-9876' })
      .expect(200);
    expect(changed.body).toEqual({ ok: true, revoked_sessions: 1 });
    await app.http().get('/api/auth/status').set(browser(b)).expect(401);
    await app.http().get('/api/auth/api_keys').set(browser(a)).expect(200);
    await login(app, 'op@example.com', 'Brand-new-pass-9876');
    await expect(login(app, 'op@example.com', 'Operator-pass-0001')).rejects.toThrow(/401/);
    // API keys are not users: they cannot change a password.
    const key = await createKey(app, ['operator.read']);
    const notUser = await app
      .http()
      .post('/api/auth/password')
      .set(bearer(key.token))
      .send({ current_password: 'a', new_password: 'Brand-new-pass-9876' })
      .expect(403);
    expect(notUser.body.code).toBe('USER_SESSION_REQUIRED');
  });

  it('roles map to scopes: viewer reads only, operator writes, admin administers', async () => {
    await createUser(app, 'viewer@example.com', 'Reader-acct-00001', 'viewer');
    const viewer = await login(app, 'viewer@example.com', 'Reader-acct-00001');
    const status = await app.http().get('/api/auth/status').set(browser(viewer)).expect(200);
    expect(status.body.scopes).toEqual(['operator.read']);
    await app.http().get('/api/auth/api_keys').set(browser(viewer)).expect(200);
    const note = await app
      .http()
      .post('/api/audit/notes')
      .set(browser(viewer))
      .send({ message: 'hi' })
      .expect(403);
    expect(note.body.missing_scope).toBe('operator.write');
    const op = await login(app, 'op@example.com', 'Brand-new-pass-9876');
    expect((await app.http().get('/api/auth/status').set(browser(op))).body.scopes).toEqual([
      'operator.approvals',
      'operator.read',
      'operator.write',
    ]);
    await app.http().post('/api/audit/notes').set(browser(op)).send({ message: 'hi' }).expect(201);
    await app
      .http()
      .post('/api/auth/api_keys')
      .set(browser(op))
      .send({ label: 'x', scopes: ['operator.read'] })
      .expect(403);
  });

  it('logout ends the session server-side and clears the cookies', async () => {
    const s = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const noCsrf = await app.http().post('/api/auth/logout').set(browser(s, false)).expect(403);
    expect(noCsrf.body.code).toBe('CSRF_TOKEN_INVALID');
    const out = await app.http().post('/api/auth/logout').set(browser(s)).expect(200);
    expect(out.body).toEqual({ ok: true });
    expect(([] as string[]).concat(out.headers['set-cookie']).join(' ')).toMatch(
      /mc_session=;.*Expires=Thu, 01 Jan 1970/,
    );
    // The old cookie is dead even if the browser kept it.
    await app.http().get('/api/auth/api_keys').set(browser(s)).expect(401);
    await app.http().post('/api/auth/logout').expect(200); // idempotent without a session
  });

  it('admins manage users; bad input is named', async () => {
    const dup = await app
      .http()
      .post('/api/auth/users')
      .set(ADMIN)
      .send({ email: ADMIN_EMAIL, password: 'Another-pass-4567', role: 'viewer' })
      .expect(409);
    expect(dup.body.code).toBe('USER_EXISTS');
    const role = await app
      .http()
      .post('/api/auth/users')
      .set(ADMIN)
      .send({ email: 'x@example.com', password: 'Another-pass-4567', role: 'root' })
      .expect(400);
    expect(role.body.detail).toContain('role');
    const weak = await app
      .http()
      .post('/api/auth/users')
      .set(ADMIN)
      .send({ email: 'x@example.com', password: 'password123', role: 'viewer' })
      .expect(422);
    expect(weak.body.code).toBe('WEAK_PASSWORD');
    await app
      .http()
      .patch('/api/auth/users/00000000-0000-4000-8000-000000000000')
      .set(ADMIN)
      .send({ role: 'viewer' })
      .expect(404);
    const list = await app.http().get('/api/auth/users').set(ADMIN).expect(200);
    expect(JSON.stringify(list.body)).not.toMatch(/password_hash|argon2/);
  });
});

describe('login throttling and secure cookies', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, COOKIE_SECURE: 'true' } });
  });
  afterAll(() => app.close());

  it('COOKIE_SECURE=true marks both cookies Secure', async () => {
    const s = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const c of s.setCookie) expect(c).toMatch(/;\s*Secure/i);
  });

  it('5 attempts per 60 s per client, then 429 + Retry-After for everyone from that client, even with the right password', async () => {
    // One attempt was used by the previous test; four more failures fill the window.
    for (let i = 0; i < 4; i++) {
      const res = await app
        .http()
        .post('/api/auth/login')
        .send({ email: i % 2 ? 'ghost@example.com' : ADMIN_EMAIL, password: 'wrong-password-000' });
      expect(res.status).toBe(401);
    }
    for (const body of [
      { email: 'ghost@example.com', password: 'wrong-password-000' },
      { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    ]) {
      const res = await app.http().post('/api/auth/login').send(body).expect(429);
      expect(res.body.code).toBe('LOGIN_THROTTLED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    // Other routes are not affected, and the throttling is on record.
    const audit = await app.http().get('/api/audit?action=auth.login').set(ADMIN).expect(200);
    const actions = audit.body.items.map((e: any) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['auth.login', 'auth.login_failed', 'auth.login_throttled']),
    );
  });
});
