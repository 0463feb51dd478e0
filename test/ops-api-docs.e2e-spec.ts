import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectRoutes, renderApiDoc } from './support/api-docs';
import { startTestApp, TestApp } from './support/test-app';

/**
 * docs/api.md is the route list of the running application. `npm run docs:api` rewrites it
 * (UPDATE_API_DOCS=1); otherwise this test fails when a route was added, removed or re-scoped
 * without the overview following.
 */
const API_DOC = join(__dirname, '..', 'docs', 'api.md');
const RUNBOOK = join(__dirname, '..', 'docs', 'runbook.md');

/** `/api/sessions/<key>/kill`, `/api/webhooks/:id` and `/api/x/{id}` all become a pattern with one segment wildcard. */
function routePattern(path: string): RegExp {
  const segs = path.split('/').map((seg) => (/^(<.*>|:.*|\{.*\})$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segs.join('/')}$`);
}

describe('docs/api.md (API overview)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ listen: false });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('lists every route with its access, as the running application has them', () => {
    const routes = collectRoutes(app.app);
    expect(routes.length).toBeGreaterThan(50);
    // The guard metadata is read, not guessed: spot-check routes whose access the runbooks rely on.
    const access = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)?.access;
    expect(access('GET', '/healthz')).toBe('public');
    expect(access('POST', '/api/webhooks/{id}/ingest')).toBe('public');
    expect(access('POST', '/api/admin/lockdown')).toBe('operator.admin');
    expect(access('POST', '/api/admin/backup')).toBe('operator.admin');
    const rendered = renderApiDoc(routes);
    if (process.env.UPDATE_API_DOCS) writeFileSync(API_DOC, rendered);
    // Compared on what operators rely on (method, path, access), not on summary wording.
    const rows = (md: string) =>
      md
        .split('\n')
        .filter((l) => /^\| [A-Z]+ \| `/.test(l))
        .map((l) => l.split(' | ').slice(0, 3).join(' | '))
        .sort();
    const documented = rows(readFileSync(API_DOC, 'utf8'));
    const actual = rows(rendered);
    const missing = actual.filter((r) => !documented.includes(r));
    const stale = documented.filter((r) => !actual.includes(r));
    if (missing.length || stale.length) {
      throw new Error(
        `docs/api.md is out of date: run \`npm run docs:api\` and commit it\n` +
          `not documented:\n  ${missing.join('\n  ') || '-'}\nno longer in the application:\n  ${stale.join('\n  ') || '-'}`,
      );
    }
  });

  it('every endpoint the runbook cites exists, with the method it names', () => {
    const routes = collectRoutes(app.app);
    const text = readFileSync(RUNBOOK, 'utf8');
    const cited = new Map<string, string | undefined>(); // path -> method (when the runbook names one)
    for (const m of text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) `?(\/[A-Za-z0-9_/{}<>:.-]+)/g)) cited.set(`${m[1]} ${m[2]}`, m[1]);
    for (const m of text.matchAll(/\$CC(\/[A-Za-z0-9_/{}<>:.-]*)/g)) if (m[1].length > 1) cited.set(` ${m[1]}`, undefined);
    expect(cited.size).toBeGreaterThan(40);
    const unknown: string[] = [];
    for (const [key, method] of cited) {
      const path = key.slice(key.indexOf(' ') + 1).replace(/[.]+$/, '');
      const swaggerPath = path.split('/').map((seg) => (/^(<.*>|:.*)$/.test(seg) ? `{x}` : seg)).join('/');
      const pattern = routePattern(swaggerPath);
      const found = routes.some((r) => routePattern(r.path).test(swaggerPath.replace(/\{x\}/g, 'x')) && (!method || r.method === method));
      const direct = routes.some((r) => pattern.test(r.path.replace(/\{[^}]+\}/g, 'x')) && (!method || r.method === method));
      if (!found && !direct && !['/docs', '/docs-json', '/metrics', '/'].includes(path)) unknown.push(key.trim());
    }
    expect(unknown).toEqual([]);
  });
});
