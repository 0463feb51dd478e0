import { AppException } from '../../common/errors/app-exception';

export const RuntimeErrors = {
  runNotFound: (id: string) =>
    new AppException(404, 'RUN_NOT_FOUND', `run '${String(id).slice(0, 100)}' not found`),
  messageRequired: () => new AppException(400, 'MESSAGE_REQUIRED', 'message must be a non-empty string'),
  messageTooLarge: (bytes: number, max: number) =>
    new AppException(
      413,
      'MESSAGE_TOO_LARGE',
      `message is ${bytes} bytes; the limit is ${max} bytes (MAX_MESSAGE_BYTES)`,
      {
        limit_bytes: max,
      },
    ),
  queueFull: (sessionKey: string, max: number) =>
    new AppException(
      429,
      'RUN_QUEUE_FULL',
      `session '${sessionKey}' already has ${max} runs waiting (RUN_QUEUE_MAX_PER_SESSION); wait for them or abort them`,
      { queue_limit: max },
      { 'Retry-After': '5' },
    ),
  invalidTimeout: () =>
    new AppException(400, 'INVALID_TIMEOUT', 'timeout must be an integer between 1000 and 86400000 ms'),
  invalidIdempotencyKey: () =>
    new AppException(400, 'INVALID_IDEMPOTENCY_KEY', 'idempotency key must be 1-200 characters'),
};
