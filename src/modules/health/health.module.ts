import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthContributors } from './health-contributors';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ReadinessIndicators } from './readiness.indicators';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthService, ReadinessIndicators, HealthContributors],
  exports: [HealthContributors],
})
export class HealthModule {}
