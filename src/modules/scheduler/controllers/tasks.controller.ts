import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { AppException } from '../../../common/errors/app-exception';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page } from '../../../common/http/pagination';
import { CreateTaskDto, TaskListQuery, TaskRunsQuery } from '../dto/task.dto';
import { taskRunView, TaskView, taskView } from '../dto/views';
import { TasksService } from '../services/tasks.service';

const uuid = () => new ParseUUIDPipe({ exceptionFactory: () => badId() });

@ApiTags('scheduler')
@Controller('api/scheduler/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'List scheduled tasks (filter by chat_id, status)' })
  async list(@Query() query: TaskListQuery) {
    const [items, total] = await this.tasks.list({
      chatId: query.chat_id,
      status: query.status,
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    });
    return page(items.map(taskView), total, query);
  }

  @Post()
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Schedule a prompt into a session (cron, interval or once)' })
  @ApiCreatedResponse({ type: TaskView })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_SCHEDULE / INVALID_TIMEZONE / INVALID_NOT_AFTER / AGENT_NOT_FOUND, naming the field' })
  async create(@Body() dto: CreateTaskDto): Promise<TaskView> {
    const task = await this.tasks.create({
      chatId: dto.chat_id,
      prompt: dto.prompt,
      scheduleType: dto.schedule_type,
      scheduleValue: dto.schedule_value,
      timezone: dto.timezone,
      maxRuns: dto.max_runs,
      notAfter: dto.not_after,
    });
    return taskView(task);
  }

  @Get(':id')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'One scheduled task' })
  @ApiOkResponse({ type: TaskView })
  async get(@Param('id', uuid()) id: string): Promise<TaskView> {
    return taskView(await this.tasks.get(id));
  }

  @Get(':id/runs')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Run log of a task (newest first): success, duration, summary, error, attempt, recovered_by' })
  async runs(@Param('id', uuid()) id: string, @Query() query: TaskRunsQuery) {
    const [items, total] = await this.tasks.runsOf(id, query.limit ?? 50, query.offset ?? 0);
    return page(items.map(taskRunView), total, query);
  }

  @Delete(':id')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Delete a task (a run in progress is aborted; its DLQ entries stay, replays skip them)' })
  @ApiOkResponse({ schema: { example: { deleted: true } } })
  delete(@Param('id', uuid()) id: string) {
    return this.tasks.delete(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Pause an active (or running) task; a run in progress finishes' })
  @ApiOkResponse({ type: TaskView })
  @ApiConflictResponse({ description: 'TASK_STATE_CONFLICT' })
  async pause(@Param('id', uuid()) id: string): Promise<TaskView> {
    return taskView(await this.tasks.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Resume a paused task; if its due time passed meanwhile it runs once right away' })
  @ApiOkResponse({ type: TaskView })
  @ApiConflictResponse({ description: 'TASK_STATE_CONFLICT' })
  async resume(@Param('id', uuid()) id: string): Promise<TaskView> {
    return taskView(await this.tasks.resume(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Cancel a task for good (a run in progress is aborted)' })
  @ApiOkResponse({ type: TaskView })
  @ApiConflictResponse({ description: 'TASK_STATE_CONFLICT' })
  async cancel(@Param('id', uuid()) id: string): Promise<TaskView> {
    return taskView(await this.tasks.cancel(id));
  }
}

/** 400 naming the path parameter, as the validation pipe names body fields. */
export function badId(field = 'id') {
  return new AppException(400, 'VALIDATION_FAILED', `${field} must be a UUID`, { errors: [{ field, messages: [`${field} must be a UUID`] }] });
}
