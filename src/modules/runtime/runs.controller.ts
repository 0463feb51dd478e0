import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { RunResponse, toRunResponse } from './dto/run.dto';
import { RunsService } from './runs.service';

@ApiTags('sessions')
@Controller('api/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get(':id')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'A run: status (queued, running, succeeded, failed, aborted, timed_out), error, usage',
  })
  @ApiOkResponse({ type: RunResponse })
  async get(@Param('id') id: string): Promise<RunResponse> {
    return toRunResponse(await this.runs.get(id));
  }
}
