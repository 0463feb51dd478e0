import { HttpException } from '@nestjs/common';
import { AppException } from '../../../common/errors/app-exception';
import { ErrorShape, GatewayErrorCode } from './frames';

/** An error answered to the client as `res.error`; handlers throw it (or an AppException). */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly retryAfterMs?: number,
    readonly retryable?: boolean,
  ) {
    super(message);
  }

  toShape(): ErrorShape {
    const shape: ErrorShape = { code: this.code, message: this.message };
    if (this.details) shape.details = this.details;
    if (this.retryable !== undefined || this.retryAfterMs !== undefined) shape.retryable = this.retryable ?? true;
    if (this.retryAfterMs !== undefined) shape.retryAfterMs = this.retryAfterMs;
    return shape;
  }
}

export const GatewayErrors = {
  invalidParams: (method: string, problem: string) =>
    new GatewayError('INVALID_REQUEST', `invalid ${method} params: ${problem}`),
  unknownMethod: (method: string) =>
    new GatewayError('INVALID_REQUEST', `unknown method: ${method.length > 80 ? `${method.slice(0, 80)}…` : method}`),
  missingScope: (missing: string, required: string[]) =>
    new GatewayError('FORBIDDEN', `missing scope: ${missing}`, {
      code: 'MISSING_SCOPE',
      missingScope: missing,
      requiredScopes: required,
    }),
  rateLimited: (retryAfterMs: number) =>
    new GatewayError('UNAVAILABLE', 'rate limit exceeded: too many requests on this connection', { code: 'RATE_LIMITED' }, retryAfterMs, true),
  lockdown: () =>
    new GatewayError(
      'UNAVAILABLE',
      'emergency lockdown is active: only administrative changes are accepted',
      { code: 'LOCKDOWN' },
      60_000,
      true,
    ),
  firstRequestMustBeConnect: () => new GatewayError('INVALID_REQUEST', 'invalid handshake: first request must be connect'),
  alreadyConnected: () => new GatewayError('INVALID_REQUEST', 'invalid handshake: connect already completed on this socket'),
  tokenMismatch: () =>
    new GatewayError('INVALID_REQUEST', 'unauthorized: gateway token mismatch', { code: 'AUTH_TOKEN_MISMATCH' }),
  authRequired: () =>
    new GatewayError('NOT_PAIRED', 'unauthorized: gateway token required (auth.token or ?token=)', { code: 'AUTH_REQUIRED' }),
  organizationUnavailable: (code: string, message: string) =>
    new GatewayError('INVALID_REQUEST', `unauthorized: ${message}`, { code }),
  connectRateLimited: (retryAfterMs: number) =>
    new GatewayError(
      'UNAVAILABLE',
      'too many failed connect attempts from this address; retry later',
      { code: 'AUTH_RATE_LIMITED' },
      retryAfterMs,
      true,
    ),
  authUnavailable: () =>
    new GatewayError('UNAVAILABLE', 'authentication is temporarily unavailable; retry shortly', { code: 'AUTH_UNAVAILABLE' }, 1000, true),
  deviceSignatureInvalid: (reason?: string) =>
    new GatewayError('INVALID_REQUEST', 'device signature invalid', {
      code: 'DEVICE_AUTH_SIGNATURE_INVALID',
      ...(reason ? { reason } : {}),
    }),
  protocolMismatch: (min: number, max: number) =>
    new GatewayError('PROTOCOL_MISMATCH', 'protocol mismatch', {
      code: 'PROTOCOL_MISMATCH',
      expectedProtocol: 4,
      supportedProtocols: [3, 4],
      clientMinProtocol: min,
      clientMaxProtocol: max,
    }),
  internal: (requestId: string) =>
    new GatewayError('UNAVAILABLE', 'internal error; the request was not completed', { code: 'INTERNAL', requestId }, undefined, true),
};

/**
 * Translates whatever a service threw into the protocol's error shape: the
 * service's problem code travels in `details.code`, its message unchanged.
 */
export function toGatewayError(err: unknown, requestId: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof AppException) return fromHttp(err.getStatus(), err.code, err.detail, err.extras);
  if (err instanceof HttpException) {
    const body = err.getResponse();
    const message = typeof body === 'object' && body && 'message' in body ? String((body as any).message) : err.message;
    return fromHttp(err.getStatus(), 'HTTP_' + err.getStatus(), message, {});
  }
  return GatewayErrors.internal(requestId);
}

function fromHttp(status: number, code: string, message: string, extras: Record<string, unknown>): GatewayError {
  const details: Record<string, unknown> = { code };
  if (status === 429 || status === 503) {
    const secs = Number(extras.retry_after_secs);
    const retryAfterMs = Number.isFinite(secs) && secs > 0 ? secs * 1000 : undefined;
    return new GatewayError('UNAVAILABLE', message, details, retryAfterMs, true);
  }
  if (status === 504 || /TIMEOUT/.test(code)) return new GatewayError('AGENT_TIMEOUT', message, details, undefined, true);
  if (status === 401 || status === 403 || status === 423) return new GatewayError('FORBIDDEN', message, details);
  if (status >= 500) return new GatewayError('UNAVAILABLE', message, details, undefined, true);
  return new GatewayError('INVALID_REQUEST', message, details);
}
