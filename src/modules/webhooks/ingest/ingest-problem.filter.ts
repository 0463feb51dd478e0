import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { sendProblem, toProblem } from '../../../common/errors/problem.filter';
import { RejectionReason, WebhooksMetrics } from '../webhooks.metrics';

const REASON_BY_CODE: Record<string, RejectionReason> = {
  RATE_LIMITED: 'rate',
  WEBHOOK_NOT_FOUND: 'unknown',
  ORG_LOCKED: 'locked',
  ORG_DISABLED: 'locked',
  WEBHOOK_DISABLED: 'disabled',
  WEBHOOK_PAYLOAD_TOO_LARGE: 'size',
  WEBHOOK_SIGNATURE_MISSING: 'signature',
  WEBHOOK_SIGNATURE_INVALID: 'signature',
};

/**
 * Renders ingest errors as problem+json like the global filter, and counts
 * each refusal by reason — including the rate limiter's 429, which a guard
 * raises before the handler runs.
 */
@Catch()
export class IngestProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebhookIngest');

  constructor(private readonly metrics: WebhooksMetrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const { body, headers } = toProblem(exception, String((req as { id?: unknown }).id), this.logger);
    this.metrics.reject(REASON_BY_CODE[body.code] ?? (body.status >= 500 ? 'unavailable' : 'invalid'));
    sendProblem(res, body, headers);
  }
}
