import { HttpException } from '@nestjs/common';

/**
 * An error with a stable machine code, rendered as application/problem+json
 * (RFC 9457) by the global filter. `extras` become extra members of the body.
 */
export class AppException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    detail: string,
    readonly extras: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }

  get detail(): string {
    return this.message;
  }
}

export const Errors = {
  badRequest: (code: string, detail: string, extras?: Record<string, unknown>) =>
    new AppException(400, code, detail, extras),
  unauthorized: (detail = 'authentication required', code = 'UNAUTHORIZED') => new AppException(401, code, detail),
  forbidden: (code: string, detail: string, extras?: Record<string, unknown>) =>
    new AppException(403, code, detail, extras),
  notFound: (what: string, id?: string) =>
    new AppException(404, 'NOT_FOUND', id === undefined ? `${what} not found` : `${what} '${id}' not found`),
  conflict: (code: string, detail: string, extras?: Record<string, unknown>) =>
    new AppException(409, code, detail, extras),
  payloadTooLarge: (detail: string, code = 'PAYLOAD_TOO_LARGE') => new AppException(413, code, detail),
  unprocessable: (code: string, detail: string, extras?: Record<string, unknown>) =>
    new AppException(422, code, detail, extras),
  tooManyRequests: (retryAfterSec: number, detail = 'rate limit exceeded', code = 'RATE_LIMITED') =>
    new AppException(429, code, detail, { retry_after_secs: retryAfterSec }, { 'Retry-After': String(retryAfterSec) }),
  unavailable: (code: string, detail: string, extras?: Record<string, unknown>) =>
    new AppException(503, code, detail, extras),
};
