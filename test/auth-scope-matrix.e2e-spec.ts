import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../src/common/guards/public.decorator';
import { PRINCIPAL_KINDS_KEY, REQUIRED_SCOPES_KEY } from '../src/common/guards/scopes.decorator';
import { ADMIN, bearer, createKey } from './auth-helpers';
import { startTestApp, TestApp } from './support/test-app';

interface RouteInfo {
  route: string;
  isPublic: boolean;
  scopes?: string[];
  kinds?: string[];
}

/** Every HTTP route registered by a controller, with its auth metadata (read as the guard reads it). */
function registeredRoutes(app: TestApp): RouteInfo[] {
  const reflector = app.app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: RouteInfo[] = [];
  for (const module of app.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!cls?.prototype) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
      for (const name of scanner.getAllMethodNames(cls.prototype)) {
        const handler = cls.prototype[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        for (const p of ([] as string[]).concat(path)) {
          const full = `/${[base, p]
            .map((s) => s.replace(/^\/|\/$/g, ''))
            .filter(Boolean)
            .join('/')}`;
          const targets = [handler, cls];
          routes.push({
            route: `${method} ${full}`,
            isPublic: !!reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets),
            scopes: reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES_KEY, targets),
            kinds: reflector.getAllAndOverride<string[]>(PRINCIPAL_KINDS_KEY, targets),
          });
        }
      }
    }
  }
  return routes;
}

/** Every route that may be reached without credentials, and why. */
const PUBLIC_ALLOW_LIST = new Set([
  'GET /healthz', // liveness probe
  'GET /readyz', // readiness probe
  'GET /api/health', // details only with operator.read
  'GET /health', // the same, where OCMT's runbooks look
  'POST /api/auth/login', // the way in; throttled
  'POST /api/auth/logout', // clears cookies; ending a session needs its CSRF token
  'GET /api/auth/status', // answers {authenticated:false} without credentials
  'POST /api/webhooks/:id/ingest', // authenticated by the webhook's HMAC secret
  'GET /metrics', // Prometheus scrape, when the metrics module exposes it publicly
]);
/** Public routes of the modules that always exist. */
const REQUIRED_PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'GET /api/health',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /api/auth/status',
];

describe('access control', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  describe('every registered route', () => {
    it('is either explicitly public (and allow-listed) or guarded with declared scopes or principal kinds', () => {
      const routes = registeredRoutes(app);
      expect(routes.length).toBeGreaterThan(20);
      const undeclared = routes
        .filter((r) => !r.isPublic && !(r.scopes?.length || r.kinds?.length))
        .map((r) => r.route);
      expect(undeclared).toEqual([]);
      const publicRoutes = routes.filter((r) => r.isPublic).map((r) => r.route);
      expect(publicRoutes.filter((r) => !PUBLIC_ALLOW_LIST.has(r))).toEqual([]);
      expect(publicRoutes).toEqual(expect.arrayContaining(REQUIRED_PUBLIC));
    });

    it('answers 401 problem+json without credentials, unless public', async () => {
      const guarded = registeredRoutes(app).filter((r) => !r.isPublic);
      const failures: string[] = [];
      for (const { route } of guarded) {
        const [method, path] = route.split(' ');
        const url = path.replace(/:[A-Za-z_]+/g, '00000000-0000-4000-8000-000000000000');
        const res = await (app.http() as any)[method.toLowerCase()](url).send({});
        if (res.status !== 401 || !/problem\+json/.test(res.headers['content-type'] ?? ''))
          failures.push(`${route} → ${res.status}`);
      }
      expect(failures).toEqual([]);
    });
  });

  describe('scope matrix', () => {
    let seq: string;
    const keys: Record<string, Record<string, string>> = {};
    beforeAll(async () => {
      for (const scope of ['operator.read', 'operator.write', 'operator.approvals', 'operator.admin']) {
        keys[scope] = bearer((await createKey(app, [scope])).token);
      }
      seq = (
        await app.http().post('/api/audit/notes').set(ADMIN).send({ message: 'matrix target' }).expect(201)
      ).body.seq;
    });

    // One real route per scope: read, write, approvals and admin.
    const probes: Record<
      string,
      { needs: string; call: (h: Record<string, string>) => Promise<{ status: number; body: any }> }
    > = {
      read: { needs: 'operator.read', call: (h) => app.http().get('/api/auth/api_keys').set(h) },
      write: {
        needs: 'operator.write',
        call: (h) => app.http().post('/api/audit/notes').set(h).send({ message: 'scope matrix' }),
      },
      approvals: {
        needs: 'operator.approvals',
        call: (h) => app.http().post(`/api/audit/${seq}/review`).set(h).send({ note: 'ok' }),
      },
      admin: { needs: 'operator.admin', call: (h) => app.http().get('/api/audit?limit=1').set(h) },
    };
    const allowed: Record<string, string[]> = {
      'operator.read': ['read'],
      'operator.write': ['read', 'write'], // write implies read
      'operator.approvals': ['approvals'],
      'operator.admin': ['read', 'write', 'approvals', 'admin'], // admin implies all
    };

    for (const scope of Object.keys(allowed)) {
      for (const probe of Object.keys(probes)) {
        const ok = allowed[scope].includes(probe);
        it(`a ${scope} key ${ok ? 'may' : 'may not'} call the ${probe} route`, async () => {
          const res = await probes[probe].call(keys[scope]);
          if (ok) {
            expect([200, 201]).toContain(res.status);
          } else {
            expect(res.status).toBe(403);
            expect(res.body.code).toBe('MISSING_SCOPE');
            expect(res.body.missing_scope).toBe(probes[probe].needs);
            expect(res.body.detail).toContain(probes[probe].needs);
          }
        });
      }
    }

    it('denials are counted and audited', async () => {
      await probes.admin.call(keys['operator.read']).then((r) => expect(r.status).toBe(403));
      const audit = await app
        .http()
        .get('/api/audit?action=auth.access_denied&limit=500')
        .set(ADMIN)
        .expect(200);
      expect(
        audit.body.items.some(
          (e: any) => e.target === 'GET /api/audit' && e.details.code === 'MISSING_SCOPE',
        ),
      ).toBe(true);
      const metrics = app.app.get(require('../src/common/metrics/metrics-registry').MetricsRegistry).registry;
      const text = await metrics.metrics();
      expect(text).toMatch(/auth_failures_total\{reason="missing_scope"\} \d+/);
    });

    it('a key cannot grant scopes it does not hold', async () => {
      const res = await app
        .http()
        .post('/api/auth/api_keys')
        .set(keys['operator.write'])
        .send({ label: 'x', scopes: ['operator.admin'] });
      expect(res.status).toBe(403);
    });
  });
});
