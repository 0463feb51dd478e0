import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { json, NextFunction, Request, Response, urlencoded } from 'express';
import helmet from 'helmet';
import { Logger } from '@nestjs/common';
import { ServerConfig } from '../../config/server.config';
import { RequestContext } from '../context/request-context';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { sendProblem, toProblem } from '../errors/problem.filter';
import { compileTrust, resolveClientIp } from './client-ip';
import { requestIdFrom } from './request-id';

/**
 * Routes that read their own raw body (size-checked while streaming, HMAC over
 * the exact bytes). The JSON parser leaves them alone.
 */
export const RAW_BODY_ROUTES: RegExp[] = [/^\/api\/webhooks\/[^/]+\/ingest\/?$/];

declare module 'express-serve-static-core' {
  interface Request {
    clientIp?: string;
    startedAt?: number;
  }
}

const LIVENESS_BODY = JSON.stringify({ status: 'ok' });
const LIVENESS_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(LIVENESS_BODY.length),
  'Cache-Control': 'no-store',
};

/** The headers a middleware sets on every response when they depend on nothing in the request. */
function staticHeadersOf(middleware: (req: any, res: any, next: () => void) => void): Record<string, string> {
  const headers: Record<string, string> = {};
  middleware(
    { headers: {} },
    { setHeader: (name: string, value: unknown) => (headers[name] = String(value)), removeHeader: () => {} },
    () => {},
  );
  return headers;
}

/**
 * Express-level middleware, in order: request id, security headers, CORS,
 * body parsing, then the request context (opened after body parsing so the
 * async context is not lost across the parser's stream callbacks).
 */
export function applyHttpPipeline(app: INestApplication, server: ServerConfig): void {
  const trust = compileTrust(server.trustedProxies);
  const logger = new Logger('Http');

  app.use((req: Request, res: Response, next: NextFunction) => {
    req.startedAt = Date.now();
    (req as any).id = requestIdFrom(req.headers['x-request-id']);
    req.clientIp = resolveClientIp(req, trust);
    res.setHeader('X-Request-Id', String(req.id));
    next();
  });

  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      // Swagger UI at /docs runs its own bundled script and inline styles.
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  serveLivenessProbes(app, securityHeaders, server.httpMetricsEnabled);

  app.use(securityHeaders);

  if (server.corsOrigins.length > 0) {
    app.enableCors({
      origin: server.corsOrigins,
      credentials: true,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    });
  }

  const jsonParser = json({ limit: server.bodyLimitBytes });
  const formParser = urlencoded({ extended: false, limit: server.bodyLimitBytes });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (RAW_BODY_ROUTES.some((r) => r.test(req.path))) return next();
    jsonParser(req, res, (err?: unknown) => (err ? next(err) : formParser(req, res, next)));
  });

  // Body-parser errors never reach Nest's filters: render them here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { body, headers } = toProblem(err, String(req.id), logger);
    sendProblem(res, body, headers);
  });

  app.use((req: Request, _res: Response, next: NextFunction) => {
    RequestContext.run({ requestId: String(req.id), transport: 'http', ip: req.clientIp }, next);
  });
}

/**
 * Liveness probes arrive every few seconds from every kubelet and load balancer.
 * GET/HEAD /healthz is answered in the HTTP server's request listener, ahead of
 * Express: the same body and headers (security headers computed once, a request
 * id) and the same metrics, without the cost of the middleware chain, logging
 * (probes log at debug anyway) and Nest routing. HealthController still declares
 * the route for the OpenAPI document.
 */
function serveLivenessProbes(
  app: INestApplication,
  securityHeaders: ReturnType<typeof helmet>,
  recordMetrics: boolean,
): void {
  const httpServer = app.getHttpServer() as Server;
  const metrics = recordMetrics ? app.get(MetricsRegistry) : undefined;
  // label-bound children, so a probe does not hash its labels on every request
  const counted = metrics && {
    GET: metrics.httpRequests.labels({ method: 'GET', route: '/healthz', status: '200' }),
    HEAD: metrics.httpRequests.labels({ method: 'HEAD', route: '/healthz', status: '200' }),
  };
  const timed = metrics && {
    GET: metrics.httpDuration.labels({ method: 'GET', route: '/healthz' }),
    HEAD: metrics.httpDuration.labels({ method: 'HEAD', route: '/healthz' }),
  };
  const headers = { ...staticHeadersOf(securityHeaders), ...LIVENESS_HEADERS };
  const handlers = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const probe =
      (req.method === 'GET' || req.method === 'HEAD') &&
      (req.url === '/healthz' || req.url?.startsWith('/healthz?'));
    if (!probe) {
      for (const handler of handlers) handler(req, res);
      return;
    }
    const start = process.hrtime.bigint();
    res.writeHead(200, { ...headers, 'X-Request-Id': requestIdFrom(req.headers['x-request-id']) });
    res.end(req.method === 'HEAD' ? undefined : LIVENESS_BODY);
    if (!counted || !timed) return;
    const method = req.method as 'GET' | 'HEAD';
    counted[method].inc();
    timed[method].observe(Number(process.hrtime.bigint() - start) / 1e9);
  });
}
