import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import { RequestContext } from '../../common/context/request-context';
import { Errors } from '../../common/errors/app-exception';
import { Public } from '../../common/guards/public.decorator';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator';
import { HealthService } from './health.service';
import { ReadinessIndicators } from './readiness.indicators';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: ReadinessIndicators,
    private readonly service: HealthService,
  ) {}

  @Get('healthz')
  @Public({ identify: false })
  @RateLimit('none')
  @ApiOperation({ summary: 'Liveness: the process answers. Checks no dependency.' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  liveness() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public({ identify: false })
  @RateLimit('none')
  @ApiOperation({ summary: 'Readiness: database reachable, migrations applied, Redis when configured' })
  @ApiOkResponse({ schema: { example: { status: 'ok', info: { database: { status: 'up' } } } } })
  @ApiServiceUnavailableResponse({ description: 'problem+json NOT_READY naming each failing check' })
  async readiness() {
    if (this.service.draining) {
      throw Errors.unavailable('NOT_READY', 'not ready: shutting down', { checks: { shutdown: { status: 'down' } } });
    }
    const checks = [() => this.indicators.database(), () => this.indicators.migrations()];
    if (this.service.redisConfigured) checks.push(() => this.indicators.redisCheck());
    try {
      return await this.health.check(checks);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const result = err.getResponse() as { error?: Record<string, { message?: string }>; details?: unknown };
      const failing = Object.entries(result.error ?? {}).map(([name, v]) => `${name} (${v.message ?? 'down'})`);
      throw Errors.unavailable('NOT_READY', `not ready: ${failing.join('; ')}`, { checks: result.details });
    }
  }

  @Get(['api/health', 'health'])
  @Public()
  @ApiOperation({
    summary: 'Service health; dependency and module details need operator.read (also at /health, where OCMT runbooks look)',
  })
  async apiHealth() {
    const principal = RequestContext.principal();
    return this.service.report(!!principal?.scopes.has('operator.read'));
  }
}
