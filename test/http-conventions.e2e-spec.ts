import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, TestApp } from './support/test-app';

const ALLOWED = 'https://ops.example.com';

describe('HTTP conventions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: `${ALLOWED},https://other.example.com` },
    });
  }, 60_000);
  afterAll(() => app?.close());

  it('malformed JSON is 400 MALFORMED_JSON problem+json with the request id', async () => {
    const res = await app
      .http()
      .post('/api/health')
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'bad-json-1')
      .send('{"label": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'MALFORMED_JSON',
      requestId: 'bad-json-1',
      title: 'Bad Request',
    });
    expect(res.body.detail).not.toMatch(/at .*\.js|SyntaxError/); // no parser internals
  });

  it('a body over BODY_LIMIT_BYTES is 413 problem+json', async () => {
    const res = await app
      .http()
      .post('/api/health')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ filler: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('a body under the limit is accepted by the parser', async () => {
    const res = await app
      .http()
      .post('/api/health')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ filler: 'x'.repeat(512) }));
    expect(res.status).toBe(404); // no POST route: the parser let it through to routing
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('CORS: a listed origin gets Access-Control-Allow-Origin with credentials', async () => {
    const res = await app.http().get('/api/health').set('Origin', ALLOWED).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');

    const preflight = await app
      .http()
      .options('/api/health')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-csrf-token');
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('CORS: any other origin gets no CORS grant', async () => {
    const res = await app.http().get('/api/health').set('Origin', 'https://evil.example.net');
    // without Access-Control-Allow-Origin the browser hands the response to no script
    // (the cors package sends Allow-Credentials regardless; alone it grants nothing)
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app
      .http()
      .options('/api/health')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('/docs is served with a Content-Security-Policy', async () => {
    const res = await app.http().get('/docs/').expect(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('/docs-json is a valid OpenAPI 3 document with problem responses', async () => {
    const res = await app.http().get('/docs-json').expect(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences in place: give it a copy
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['bearer', 'cookie', 'agent']),
    );
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect({ route: `${method.toUpperCase()} ${path}`, default: op.responses?.default?.content }).toEqual(
          {
            route: `${method.toUpperCase()} ${path}`,
            default: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        );
      }
    }
  });
});
