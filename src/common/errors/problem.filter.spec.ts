import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { Errors } from './app-exception';
import { toProblem } from './problem.filter';

const logger = { warn: jest.fn(), error: jest.fn() } as unknown as Logger;

describe('toProblem', () => {
  it('turns an unknown error into a bare 500 with the request id and no internals', () => {
    const err = new Error('connect to secret-db.internal:5432 failed at /srv/app/dist/x.js:12');
    const { body } = toProblem(err, 'req-42', logger);
    expect(body).toEqual({
      type: 'urn:clawcontrol:problem:INTERNAL_ERROR',
      title: 'Internal Server Error',
      status: 500,
      code: 'INTERNAL_ERROR',
      detail: 'internal error; quote the request id',
      requestId: 'req-42',
    });
    expect(JSON.stringify(body)).not.toContain('secret-db');
    expect(logger.error).toHaveBeenCalled(); // the operator still gets the details in the log
  });

  it('does not leak thrown non-Error values either', () => {
    const { body } = toProblem({ password: 'hunter2' }, 'r', logger);
    expect(body.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('renders an AppException with its code, extras and headers', () => {
    const { body, headers } = toProblem(Errors.tooManyRequests(17), 'r', logger);
    expect(body).toMatchObject({ status: 429, code: 'RATE_LIMITED', retry_after_secs: 17, requestId: 'r' });
    expect(headers).toEqual({ 'Retry-After': '17' });
  });

  it('maps Nest HTTP exceptions to stable codes', () => {
    expect(toProblem(new NotFoundException('no such thing'), 'r', logger).body).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'no such thing',
    });
    expect(toProblem(new BadRequestException(['a is bad', 'b is bad']), 'r', logger).body.detail).toBe(
      'a is bad; b is bad',
    );
  });

  it('maps body-parser errors: malformed JSON 400, too large 413', () => {
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      type: 'entity.parse.failed',
      status: 400,
    });
    expect(toProblem(parse, 'r', logger).body).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    const large = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      status: 413,
    });
    expect(toProblem(large, 'r', logger).body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 503 with Retry-After when the database is unreachable', () => {
    const { body, headers } = toProblem(new Error('connect ECONNREFUSED 10.0.0.5:5432'), 'r', logger);
    expect(body).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(body.detail).not.toContain('10.0.0.5');
    expect(headers['Retry-After']).toBeDefined();
  });

  it('maps invalid input and unique violations from PostgreSQL to 400 and 409, never 500', () => {
    const pgError = (code: string) =>
      new QueryFailedError('SELECT', [], Object.assign(new Error('pg'), { code }));
    expect(toProblem(pgError('22P02'), 'r', logger).body.status).toBe(400);
    expect(toProblem(pgError('23505'), 'r', logger).body.status).toBe(409);
  });
});
