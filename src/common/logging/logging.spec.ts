import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pinoHttp, { Options } from 'pino-http';
import { loadConfigClasses } from '../../config/config-loader';
import { ServerConfig } from '../../config/server.config';
import { loggerParams, scrubUrl } from './logging';

describe('scrubUrl', () => {
  it('redacts secret query parameters and keeps the rest', () => {
    expect(scrubUrl('/api/x?token=abc123&limit=5&api_key=k-9&password=p&access_token=t')).toBe(
      '/api/x?token=[redacted]&limit=5&api_key=[redacted]&password=[redacted]&access_token=[redacted]',
    );
  });

  it('redacts URL credentials', () => {
    expect(scrubUrl('postgres://claw:s3cret@db:5432/claw')).toBe('postgres://[redacted]@db:5432/claw');
    expect(scrubUrl('redis://:pw@cache:6379/0')).toBe('redis://[redacted]@cache:6379/0');
    expect(scrubUrl('/cb?next=https://u:p@example.com/x')).toBe('/cb?next=https://[redacted]@example.com/x');
  });

  it('leaves URLs without secrets unchanged', () => {
    expect(scrubUrl('/api/sessions?limit=10&offset=20')).toBe('/api/sessions?limit=10&offset=20');
    expect(scrubUrl('https://example.com/a')).toBe('https://example.com/a');
  });
});

describe('request logging', () => {
  const SECRETS = [
    'Bearer-sk-live-0001',
    'cookie-secret-0002',
    'agent-token-0003',
    'query-token-0004',
    'query-key-0005',
    'auth-token-0006',
  ];
  let lines: Record<string, any>[];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const server_ = loadConfigClasses([ServerConfig], { LOG_LEVEL: 'info', REQUEST_LOG_SLOW_MS: '50' }).get(
      ServerConfig,
    ) as ServerConfig;
    const log = pinoHttp(loggerParams(server_).pinoHttp as Options, sink);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      // what the HTTP pipeline sets before logging
      Object.assign(req, { id: `rid-${req.headers['x-n']}`, startedAt: Date.now() });
      log(req, res);
      if (req.url?.startsWith('/body')) {
        req.log.info(
          { body: { password: 'body-password-0006' }, webhook: { secret: 'hook-secret-0007' } },
          'payload',
        );
      }
      const delay = req.url?.startsWith('/slow') ? 120 : 0;
      setTimeout(() => res.end('ok'), delay);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function logged(n: string, path: string, headers: Record<string, string> = {}) {
    await (await fetch(`${base}${path}`, { headers: { 'x-n': n, ...headers } })).text();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const mine = lines.filter((l) => l.requestId === `rid-${n}`);
      if (mine.some((l) => l.res)) return mine;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no request log line for rid-${n}`);
  }

  it('logs request id, method, path, status and duration, without any secret', async () => {
    const mine = await logged('1', '/api/things?token=query-token-0004&api_key=query-key-0005&limit=2', {
      authorization: 'Bearer Bearer-sk-live-0001',
      cookie: 'mc_session=cookie-secret-0002',
      'x-agent-token': 'agent-token-0003',
      'x-auth-token': 'auth-token-0006',
    });
    const line = mine.find((l) => l.res)!;
    expect(line).toMatchObject({
      requestId: 'rid-1',
      req: { id: 'rid-1', method: 'GET', url: '/api/things?token=[redacted]&api_key=[redacted]&limit=2' },
      res: { statusCode: 200 },
      level: 30,
    });
    expect(typeof line.responseTime).toBe('number');
    expect(line.msg).toMatch(/^GET \/api\/things\?token=\[redacted\].* 200 \d+ms$/);
    const text = JSON.stringify(mine);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('redacts passwords and tokens in logged objects', async () => {
    const mine = await logged('2', '/body');
    const payload = mine.find((l) => l.msg === 'payload')!;
    expect(payload.body).toEqual({ password: '[redacted]' });
    expect(payload.webhook).toEqual({ secret: '[redacted]' });
  });

  it('logs requests slower than REQUEST_LOG_SLOW_MS at warn', async () => {
    const line = (await logged('3', '/slow')).find((l) => l.res)!;
    expect(line.level).toBe(40);
    expect(line.msg).toContain('(slow request)');
  });

  it('keeps probes out of the info log', async () => {
    await (await fetch(`${base}/healthz`, { headers: { 'x-n': '4' } })).text();
    await logged('5', '/after-the-probe'); // logged after the probe finished
    expect(lines.filter((l) => l.requestId === 'rid-4')).toEqual([]); // at debug, below LOG_LEVEL=info
  });
});
