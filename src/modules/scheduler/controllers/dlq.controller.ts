import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page } from '../../../common/http/pagination';
import { DlqListQuery, ReplayDto } from '../dto/task.dto';
import { dlqEntryView, ReplayResultView } from '../dto/views';
import { DlqService } from '../services/dlq.service';

@ApiTags('scheduler')
@Controller('api/scheduler/dlq')
export class DlqController {
  constructor(private readonly dlq: DlqService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Failed scheduled runs (dead-letter queue), newest first; filter by chat_id, task_id, status' })
  async list(@Query() query: DlqListQuery) {
    const [items, total] = await this.dlq.list({
      chatId: query.chat_id,
      taskId: query.task_id,
      status: query.status,
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    });
    return page(items.map(dlqEntryView), total, query);
  }

  @Post('replay')
  @HttpCode(200)
  @RequireScopes('operator.approvals')
  @ApiOperation({
    summary: 'Replay pending DLQ entries of a chat (optionally one task, at most limit, oldest first)',
    description:
      'Each task is re-queued with an immediate next_run and its entry marked replayed with note `queued`; ' +
      'entries whose task was deleted, cancelled or completed are marked replayed with `skipped: <reason>`; ' +
      'entries of a paused or running task stay pending (noted). Audited.',
  })
  @ApiOkResponse({ type: ReplayResultView })
  replay(@Body() dto: ReplayDto): Promise<ReplayResultView> {
    return this.dlq.replay({ chatId: dto.chat_id, taskId: dto.task_id, limit: dto.limit }, 'operator');
  }
}
