import { SelfCheckService } from '../src/modules/auth/self-check/self-check.service';
import { ADMIN, bearer, createKey } from './auth-helpers';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';

const codes = (body: any) => body.warnings.map((w: any) => w.code);

describe('GET /api/config/self_check', () => {
  describe('with the test configuration', () => {
    let app: TestApp;
    let admin2: Record<string, string>;
    beforeAll(async () => {
      app = await startTestApp({
        env: { ADMIN_EMAIL: 'adm@example.com', ADMIN_PASSWORD: 'Changeme-please-1' },
      });
    });
    afterAll(() => app.close());

    it('needs operator.read and lists warnings with code, severity, message and fix, without secrets', async () => {
      await app.http().get('/api/config/self_check').expect(401);
      const reader = await createKey(app, ['operator.read']);
      const res = await app.http().get('/api/config/self_check').set(bearer(reader.token)).expect(200);
      expect(res.body).toMatchObject({ risk_level: 'high', warning_count: res.body.warnings.length });
      for (const w of res.body.warnings) {
        expect(w).toEqual({
          code: expect.stringMatching(/^[A-Z_]+$/),
          severity: expect.stringMatching(/^(low|medium|high)$/),
          message: expect.any(String),
          fix: expect.any(String),
        });
      }
      // The test secrets contain "test"/"secret": flagged as weak, the bootstrap key is still active, NODE_ENV=test.
      expect(codes(res.body)).toEqual(
        expect.arrayContaining([
          'SESSION_SECRET_WEAK',
          'ADMIN_API_KEY_WEAK',
          'ADMIN_API_KEY_ACTIVE',
          'NODE_ENV_NOT_PRODUCTION',
        ]),
      );
      expect(res.body.warnings.find((w: any) => w.code === 'ADMIN_PASSWORD_WEAK')).toMatchObject({
        severity: 'high',
      });
      const text = JSON.stringify(res.body);
      for (const secret of [TEST_ADMIN_KEY, 'test-session-secret', 'Changeme-please-1'])
        expect(text).not.toContain(secret);
    });

    it('notices X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const before = await app.http().get('/api/config/self_check').set(ADMIN).expect(200);
      expect(codes(before.body)).not.toContain('TRUSTED_PROXIES_UNSET');
      await app.http().get('/api/auth/status').set('X-Forwarded-For', '203.0.113.7').expect(200);
      const after = await app.http().get('/api/config/self_check').set(ADMIN).expect(200);
      expect(after.body.warnings.find((w: any) => w.code === 'TRUSTED_PROXIES_UNSET')).toMatchObject({
        severity: 'medium',
        fix: expect.stringContaining('TRUSTED_PROXIES'),
      });
    });

    it('revoking the bootstrap key clears ADMIN_API_KEY_ACTIVE', async () => {
      admin2 = bearer((await createKey(app, ['operator.admin'])).token);
      const keys = await app.http().get('/api/auth/api_keys').set(ADMIN).expect(200);
      const boot = keys.body.items.find((k: any) => k.bootstrap);
      await app.http().delete(`/api/auth/api_keys/${boot.id}`).set(admin2).expect(200);
      const res = await app.http().get('/api/config/self_check').set(admin2).expect(200);
      expect(codes(res.body)).not.toContain('ADMIN_API_KEY_ACTIVE');
    });

    it('other modules add their own checks through SelfCheckService.register', async () => {
      app.app.get(SelfCheckService).register({
        name: 'webhooks.secrets',
        run: () => [
          {
            code: 'WEBHOOK_WITHOUT_SECRET',
            severity: 'medium',
            message: '1 webhook accepts unsigned payloads',
            fix: 'set a secret',
          },
        ],
      });
      const res = await app.http().get('/api/config/self_check').set(admin2).expect(200);
      expect(codes(res.body)).toContain('WEBHOOK_WITHOUT_SECRET');
    });
  });

  describe('with a risky production configuration', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({
        env: {
          NODE_ENV: 'production',
          SESSION_SECRET: undefined,
          COOKIE_SECURE: 'false',
          PUBLIC_BASE_URL: 'https://claw.example.com',
          RATE_LIMIT_ENABLED: 'false',
          ADMIN_API_KEY: 'Zq7wX2vN9pL4kR8tY3mB6cF1hJ5gD0sA',
        },
      });
    });
    afterAll(() => app.close());

    it('flags an unset session secret, insecure cookies behind https, disabled rate limits and auto-migrate', async () => {
      const res = await app
        .http()
        .get('/api/config/self_check')
        .set(bearer('Zq7wX2vN9pL4kR8tY3mB6cF1hJ5gD0sA'))
        .expect(200);
      expect(res.body.risk_level).toBe('high');
      const bySeverity = Object.fromEntries(res.body.warnings.map((w: any) => [w.code, w.severity]));
      expect(bySeverity).toMatchObject({
        SESSION_SECRET_UNSET: 'high',
        COOKIE_INSECURE: 'high',
        RATE_LIMIT_DISABLED: 'high',
        DB_AUTO_MIGRATE_IN_PRODUCTION: 'low',
        ADMIN_API_KEY_ACTIVE: 'medium',
      });
      expect(bySeverity.NODE_ENV_NOT_PRODUCTION).toBeUndefined();
      expect(bySeverity.ADMIN_API_KEY_WEAK).toBeUndefined();
      expect(res.body.warnings[0].severity).toBe('high');
    });
  });
});
