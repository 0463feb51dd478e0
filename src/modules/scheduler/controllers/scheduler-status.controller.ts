import { Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { CleanupJobs } from '../services/cleanup-jobs.service';
import { SchedulerStatus } from '../services/scheduler-status.service';

@ApiTags('scheduler')
@Controller('api/scheduler')
export class SchedulerStatusController {
  constructor(
    private readonly status: SchedulerStatus,
    private readonly jobs: CleanupJobs,
  ) {}

  @Get('stats')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'scheduler_recoverability_7d of your organization, task counts, DLQ size, lag and this replica’s loop',
  })
  stats() {
    return this.status.stats();
  }

  @Get('jobs')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Cleanup jobs: last run, last count, last error, failures, next run' })
  async listJobs() {
    return { items: await this.jobs.status() };
  }

  @Post('jobs/:name/run')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Run a cleanup job now on this replica (409 JOB_BUSY when another replica is running it)' })
  runJob(@Param('name') name: string) {
    return this.jobs.runNow(name, this.status.runner);
  }
}
