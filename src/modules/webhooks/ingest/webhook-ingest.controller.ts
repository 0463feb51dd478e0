import { Controller, HttpCode, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../../common/guards/public.decorator';
import { RateLimit } from '../../../common/rate-limit/rate-limit.decorator';
import { IngestAcceptedView } from '../dto/delivery.dto';
import { IngestProblemFilter } from './ingest-problem.filter';
import { WebhookIngestService } from './webhook-ingest.service';

@ApiTags('webhooks')
@Controller('api/webhooks')
@UseFilters(IngestProblemFilter)
export class WebhookIngestController {
  constructor(private readonly ingest: WebhookIngestService) {}

  @Post(':id/ingest')
  @Public({ identify: false })
  @RateLimit('webhook')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver an event (public; authenticated by the HMAC-SHA256 signature when the webhook has a secret)',
    description:
      'Checks in order: per-IP rate limit (429 + Retry-After), unknown webhook (404), locked organization (423), ' +
      'disabled (410), body over WEBHOOK_MAX_PAYLOAD_BYTES counted on the stream (413), signature (403 ' +
      'WEBHOOK_SIGNATURE_MISSING / WEBHOOK_SIGNATURE_INVALID). 202 only after the delivery is committed. ' +
      'A repeated X-GitHub-Delivery / X-Webhook-Id / Idempotency-Key answers 200 with the original delivery_id.',
  })
  @ApiConsumes('application/json', 'application/octet-stream', 'text/plain')
  @ApiParam({ name: 'id', description: 'Webhook id' })
  @ApiHeader({ name: 'X-Hub-Signature-256', required: false, description: 'sha256=<hex HMAC-SHA256 of the raw body>' })
  @ApiHeader({ name: 'X-Webhook-Signature', required: false, description: 'sha256=<hex> (alternative header)' })
  @ApiHeader({ name: 'X-GitHub-Delivery', required: false, description: 'Idempotency key (or X-Webhook-Id, Idempotency-Key)' })
  @ApiAcceptedResponse({ type: IngestAcceptedView, description: 'Committed; processed asynchronously' })
  @ApiOkResponse({ type: IngestAcceptedView, description: 'Repeated idempotency key: the original delivery, no second run' })
  @ApiResponse({ status: 403, description: 'WEBHOOK_SIGNATURE_MISSING or WEBHOOK_SIGNATURE_INVALID' })
  @ApiResponse({ status: 404, description: 'WEBHOOK_NOT_FOUND' })
  @ApiResponse({ status: 410, description: 'WEBHOOK_DISABLED' })
  @ApiResponse({ status: 413, description: 'WEBHOOK_PAYLOAD_TOO_LARGE' })
  @ApiResponse({ status: 423, description: 'ORG_LOCKED' })
  @ApiResponse({ status: 429, description: 'RATE_LIMITED, with Retry-After' })
  async receive(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IngestAcceptedView> {
    const result = await this.ingest.ingest(id, req);
    if (result.duplicate) {
      res.status(200);
      return { delivery_id: result.deliveryId, duplicate: true };
    }
    return { delivery_id: result.deliveryId };
  }
}
