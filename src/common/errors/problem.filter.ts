import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AppException } from './app-exception';
import { defaultCodeFor, problem, PROBLEM_CONTENT_TYPE, ProblemDetails } from './problem-details';

const DB_UNAVAILABLE = /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|57P0[1-3]/;

/** Translates any error into problem+json; unknown errors become a bare 500 with the request id. */
export function toProblem(error: unknown, requestId: string | undefined, logger: Logger): {
  body: ProblemDetails;
  headers: Record<string, string>;
} {
  if (error instanceof AppException) {
    return {
      body: problem(error.getStatus(), error.code, error.detail, requestId, error.extras),
      headers: error.headers,
    };
  }
  if (error instanceof ThrottlerException) {
    return { body: problem(429, 'RATE_LIMITED', 'rate limit exceeded', requestId), headers: {} };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail =
      typeof response === 'string'
        ? response
        : Array.isArray((response as any)?.message)
          ? (response as any).message.join('; ')
          : ((response as any)?.message ?? error.message);
    return { body: problem(status, defaultCodeFor(status), String(detail), requestId), headers: {} };
  }
  const bodyParserError = error as { type?: string; status?: number; expose?: boolean; message?: string };
  if (bodyParserError?.type === 'entity.too.large') {
    return { body: problem(413, 'PAYLOAD_TOO_LARGE', 'request body is too large', requestId), headers: {} };
  }
  if (bodyParserError?.type === 'entity.parse.failed') {
    return { body: problem(400, 'MALFORMED_JSON', 'request body is not valid JSON', requestId), headers: {} };
  }
  if (bodyParserError?.expose && bodyParserError.status && bodyParserError.status < 500) {
    const status = bodyParserError.status;
    return { body: problem(status, defaultCodeFor(status), bodyParserError.message ?? 'bad request', requestId), headers: {} };
  }
  if (error instanceof QueryFailedError) {
    const pgCode = (error as any).driverError?.code as string | undefined;
    if (pgCode === '22P02' || pgCode === '22007' || pgCode === '22008') {
      return { body: problem(400, 'INVALID_INPUT', 'a parameter has an invalid format', requestId), headers: {} };
    }
    if (pgCode === '23505') {
      return { body: problem(409, 'CONFLICT', 'a resource with that identity already exists', requestId), headers: {} };
    }
  }
  const message = (error as Error)?.message ?? String(error);
  if (DB_UNAVAILABLE.test(message) || DB_UNAVAILABLE.test((error as any)?.code ?? '')) {
    logger.warn({ err: error, requestId }, 'database unavailable');
    return {
      body: problem(503, 'DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly', requestId),
      headers: { 'Retry-After': '5' },
    };
  }
  logger.error({ err: error, requestId }, 'unhandled error');
  return { body: problem(500, 'INTERNAL_ERROR', 'internal error; quote the request id', requestId), headers: {} };
}

export function sendProblem(res: Response, body: ProblemDetails, headers: Record<string, string>): void {
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const { body, headers } = toProblem(exception, (req as any).id, this.logger);
    sendProblem(res, body, headers);
  }
}
