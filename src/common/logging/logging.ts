import type { IncomingMessage, ServerResponse } from 'node:http';
import { Params } from 'nestjs-pino';
import { ServerConfig } from '../../config/server.config';

/** Header and body fields that never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-agent-token"]',
  'req.headers["x-auth-token"]',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-webhook-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.api_key',
  '*.apiKey',
  '*.authorization',
];

const SECRET_QUERY = /([?&](?:token|api_key|apikey|key|secret|password|access_token)=)[^&#]*/gi;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*(:[^/@\s]*)?@/gi; // user:pass@, user@ or :pass@

/** Strips query-string secrets and user:password@ from anything URL-shaped. */
export function scrubUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]').replace(URL_CREDENTIALS, '$1[redacted]@');
}

const PROBES = new Set(['/healthz', '/readyz']);

/** `stream` replaces stdout as the log destination (tests capture log lines with it). */
export function loggerParams(server: ServerConfig, stream?: NodeJS.WritableStream): Params {
  const options = {
    level: server.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    genReqId: (req: IncomingMessage) => (req as any).id,
    customProps: (req: IncomingMessage) => ({ requestId: (req as any).id }),
    serializers: {
      req: (req: any) => ({
        id: req.id,
        method: req.method,
        url: scrubUrl(req.url ?? ''),
        ip: req.raw?.clientIp,
      }),
      res: (res: any) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) => {
      if (err || res.statusCode >= 500) return 'error';
      const started = (req as any).startedAt as number | undefined;
      if (started && Date.now() - started >= server.requestLogSlowMs) return 'warn';
      if (PROBES.has((req.url ?? '').split('?')[0])) return 'debug';
      return 'info';
    },
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse, responseTime: number) => {
      const slow = responseTime >= server.requestLogSlowMs ? ' (slow request)' : '';
      return `${req.method} ${scrubUrl(req.url ?? '')} ${res.statusCode} ${Math.round(responseTime)}ms${slow}`;
    },
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
      `${req.method} ${scrubUrl(req.url ?? '')} ${res.statusCode}`,
  };
  return {
    pinoHttp: stream ? [options, stream as any] : options,
    // Nest's own logs go through pino too; route context is noise here.
    renameContext: 'module',
  };
}
