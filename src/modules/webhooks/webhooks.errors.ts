import { AppException } from '../../common/errors/app-exception';

export const WebhookErrors = {
  notFound: (id: string) => new AppException(404, 'WEBHOOK_NOT_FOUND', `webhook '${id}' not found`),
  deliveryNotFound: (id: string) => new AppException(404, 'WEBHOOK_DELIVERY_NOT_FOUND', `webhook delivery '${id}' not found`),
  disabled: (id: string) =>
    new AppException(410, 'WEBHOOK_DISABLED', `webhook '${id}' is disabled; enable it with PATCH /api/webhooks/${id} {"enabled": true}`),
  orgLocked: () => new AppException(423, 'ORG_LOCKED', 'the organization of this webhook is locked by a platform administrator'),
  orgDisabled: () => new AppException(403, 'ORG_DISABLED', 'the organization of this webhook is disabled'),
  payloadTooLarge: (limit: number) =>
    new AppException(
      413,
      'WEBHOOK_PAYLOAD_TOO_LARGE',
      `webhook payloads are limited to ${limit} bytes (WEBHOOK_MAX_PAYLOAD_BYTES); send a URL reference instead of inline content`,
      { limit_bytes: limit },
    ),
  bodyTimeout: (ms: number) =>
    new AppException(408, 'WEBHOOK_BODY_TIMEOUT', `the request body did not arrive within ${ms} ms (WEBHOOK_BODY_TIMEOUT_MS)`),
  clientAborted: () => new AppException(400, 'WEBHOOK_BODY_INCOMPLETE', 'the client closed the connection before the body was complete'),
  signatureMissing: (headers: string[]) =>
    new AppException(
      403,
      'WEBHOOK_SIGNATURE_MISSING',
      `this webhook has a secret: send the HMAC-SHA256 of the raw body as sha256=<hex> in ${headers.join(' or ')}`,
      { accepted_headers: headers },
    ),
  signatureInvalid: () =>
    new AppException(
      403,
      'WEBHOOK_SIGNATURE_INVALID',
      "the signature does not match the HMAC-SHA256 of the raw body under this webhook's secret (expected sha256=<64 hex digits>)",
    ),
  secretUnavailable: (reason: string) =>
    new AppException(503, 'WEBHOOK_SECRET_UNAVAILABLE', `the webhook secret cannot be read right now (${reason}); retry later`, {}, {
      'Retry-After': '30',
    }),
  idempotencyKeyInvalid: (header: string) =>
    new AppException(400, 'WEBHOOK_IDEMPOTENCY_KEY_INVALID', `${header} must be 1-200 printable characters`),
  nameTaken: (name: string) => new AppException(409, 'WEBHOOK_NAME_TAKEN', `a webhook named '${name}' already exists in this organization`),
  targetRequired: () =>
    new AppException(400, 'WEBHOOK_TARGET_REQUIRED', 'give the target session: session_key, or agent_id (+ session_name, default "main")', {
      field: 'session_key',
    }),
  targetConflict: () =>
    new AppException(400, 'WEBHOOK_TARGET_CONFLICT', 'give either session_key or agent_id/session_name, not both', { field: 'session_key' }),
  targetAgentUnknown: (agentId: string) =>
    new AppException(422, 'WEBHOOK_TARGET_AGENT_UNKNOWN', `agent '${agentId}' does not exist in this organization; create it first or target another session`, {
      field: 'session_key',
    }),
  templateInvalid: (detail: string) =>
    new AppException(400, 'WEBHOOK_TEMPLATE_INVALID', `message_template: ${detail}`, { field: 'message_template' }),
  redeliverInProgress: (id: string, status: string) =>
    new AppException(409, 'WEBHOOK_DELIVERY_IN_PROGRESS', `delivery '${id}' is still ${status}; redeliver it once it is delivered or failed`),
};
