import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AppException } from '../../../common/errors/app-exception';
import { DeliveryWorker } from '../processing/delivery-worker.service';
import { WebhookErrors } from '../webhooks.errors';
import { WebhooksConfig } from '../webhooks.config';
import { WebhooksMetrics } from '../webhooks.metrics';
import { DeliveryInserter } from './delivery-inserter';
import { IngestTargets } from './ingest-targets';
import { BodyAbortedError, BodyTimeoutError, BodyTooLargeError, readLimitedBody } from './limited-body';
import { signatureHeadersOf, verifySignature } from './signature';
import { storedHeaders } from './stored-headers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Sender headers naming a delivery, in order of preference. */
const IDEMPOTENCY_HEADERS = ['x-github-delivery', 'x-webhook-id', 'idempotency-key'];
const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

export interface IngestResult {
  deliveryId: string;
  duplicate: boolean;
}

/**
 * POST /api/webhooks/:id/ingest after the rate limit: unknown → 404, locked
 * organization → 423, disabled → 410, body over the limit → 413 (on the
 * stream), bad or missing signature → 403, then the delivery is committed and
 * only then acknowledged. Processing happens in the delivery queue.
 */
@Injectable()
export class WebhookIngestService {
  private readonly logger = new Logger('WebhookIngest');

  constructor(
    private readonly targets: IngestTargets,
    private readonly inserter: DeliveryInserter,
    private readonly worker: DeliveryWorker,
    private readonly config: WebhooksConfig,
    private readonly metrics: WebhooksMetrics,
  ) {}

  async ingest(webhookId: string, req: Request): Promise<IngestResult> {
    const target = UUID.test(webhookId) ? await this.targets.find(webhookId) : null;
    if (!target) throw WebhookErrors.notFound(webhookId);
    if (target.orgDisabled) throw WebhookErrors.orgDisabled();
    if (target.orgLocked) throw WebhookErrors.orgLocked();
    const { webhook } = target;
    if (!webhook.enabled) throw WebhookErrors.disabled(webhook.id);

    const body = await this.readBody(req);

    const signatureHeaders = signatureHeadersOf(webhook.signatureHeader);
    const secret = await this.secretOf(target);
    if (secret !== undefined) {
      const check = verifySignature(req.headers, body, secret, signatureHeaders);
      if (check === 'missing') throw WebhookErrors.signatureMissing(signatureHeaders);
      if (check === 'invalid') throw WebhookErrors.signatureInvalid();
    }

    // Nobody would hear the 202: do not commit a delivery the sender will retry anyway.
    if (req.socket?.destroyed) throw WebhookErrors.clientAborted();
    const result = await this.inserter.insert({
      organizationId: webhook.organizationId,
      webhookId: webhook.id,
      idempotencyKey: this.idempotencyKeyOf(req),
      headers: storedHeaders(req.headers, signatureHeaders),
      payload: body,
      sourceIp: req.clientIp ?? null,
    });
    if (!result.duplicate) {
      this.metrics.accepted.inc();
      this.worker.kick();
    }
    return { deliveryId: result.id, duplicate: result.duplicate };
  }

  private async readBody(req: Request): Promise<Buffer> {
    try {
      return await readLimitedBody(req, { limit: this.config.maxPayloadBytes, timeoutMs: this.config.bodyTimeoutMs });
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw WebhookErrors.payloadTooLarge(err.limit);
      if (err instanceof BodyTimeoutError) throw WebhookErrors.bodyTimeout(this.config.bodyTimeoutMs);
      if (err instanceof BodyAbortedError) throw WebhookErrors.clientAborted();
      throw err;
    }
  }

  private async secretOf(target: Parameters<IngestTargets['secretOf']>[0]): Promise<string | undefined> {
    try {
      return await this.targets.secretOf(target);
    } catch (err) {
      // Vault locked or the referenced secret is gone: refuse (never accept unverified), say why.
      const reason = err instanceof AppException ? err.code : 'vault error';
      this.logger.warn(`webhook ${target.webhook.id}: cannot read its secret (${reason})`);
      throw WebhookErrors.secretUnavailable(reason);
    }
  }

  private idempotencyKeyOf(req: Request): string | null {
    for (const name of IDEMPOTENCY_HEADERS) {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (value === undefined || value === '') continue;
      if (!IDEMPOTENCY_KEY.test(value)) throw WebhookErrors.idempotencyKeyInvalid(name);
      return value;
    }
    return null;
  }
}
