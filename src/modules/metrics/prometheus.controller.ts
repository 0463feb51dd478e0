import { Controller, Get, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { safeEqual, sha256Hex } from '../../common/crypto';
import { Public } from '../../common/guards/public.decorator';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator';
import { MetricsConfig } from './metrics.config';
import { MetricsErrors } from './metrics.errors';

@ApiTags('metrics')
@Controller()
export class PrometheusController {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly config: MetricsConfig,
  ) {}

  @Get('metrics')
  @Public({ identify: false })
  @RateLimit('none')
  @ApiOperation({
    summary: 'Prometheus text exposition of every metric of this replica',
    description:
      'Open, unless METRICS_TOKEN is set: then "Authorization: Bearer <METRICS_TOKEN>" is required.',
  })
  @ApiProduces('text/plain')
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description: 'Bearer <METRICS_TOKEN> when METRICS_TOKEN is set',
  })
  @ApiOkResponse({ description: 'text/plain; version=0.0.4' })
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN_REQUIRED / METRICS_TOKEN_INVALID (problem+json)' })
  async exposition(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (this.config.token) this.checkToken(req.headers.authorization);
    const body = await this.metrics.registry.metrics();
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).send(Buffer.from(body, 'utf8')); // a Buffer keeps the exact Content-Type
  }

  private checkToken(authorization: string | undefined): void {
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!match) throw MetricsErrors.tokenRequired();
    // Digests first: equal lengths, so the comparison reveals nothing about the token's length either.
    if (!safeEqual(sha256Hex(match[1]), sha256Hex(this.config.token!))) throw MetricsErrors.tokenInvalid();
  }
}
