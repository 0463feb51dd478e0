import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../../common/http/pagination';
import { SCHEDULE_TYPES, ScheduleType, TASK_STATUSES, TaskStatus } from '../entities/scheduled-task.entity';
import { DLQ_STATUSES, DlqStatus } from '../entities/task-dlq-entry.entity';
import { MAX_REPLAY_LIMIT } from '../services/dlq.service';

export class CreateTaskDto {
  @ApiProperty({ example: 'agent:main:main', description: 'Session key the prompt is sent into (a bare name means agent:main:<name>)' })
  @IsString()
  @Length(1, 300)
  chat_id: string;

  @ApiProperty({ example: 'Summarize the open incidents.' })
  @IsString()
  @Length(1, 32_768)
  prompt: string;

  @ApiProperty({ enum: SCHEDULE_TYPES })
  @IsIn(SCHEDULE_TYPES as unknown as string[], { message: `schedule_type must be one of: ${SCHEDULE_TYPES.join(', ')}` })
  schedule_type: ScheduleType;

  @ApiProperty({
    example: '0 9 * * 1-5',
    description: 'cron: 5 or 6 fields or @hourly…; interval: seconds or 30s|5m|1h30m|1d; once: ISO 8601 time (no offset = in timezone)',
  })
  @IsString()
  @Length(1, 200)
  schedule_value: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', description: 'IANA time zone of cron expressions and offset-less once times' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ example: 10, description: 'Complete the task after this many runs' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_runs?: number;

  @ApiPropertyOptional({ example: '2030-12-31T23:59:59Z', description: 'Complete the task instead of running after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'not_after must be an ISO 8601 time' })
  not_after?: string;
}

export class TaskListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only tasks of this session key' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  chat_id?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES as unknown as string[], { message: `status must be one of: ${TASK_STATUSES.join(', ')}` })
  status?: TaskStatus;
}

export class DlqListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only entries of this session key' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  chat_id?: string;

  @ApiPropertyOptional({ description: 'Only entries of this task' })
  @IsOptional()
  @IsUUID('all', { message: 'task_id must be a UUID' })
  task_id?: string;

  @ApiPropertyOptional({ enum: DLQ_STATUSES })
  @IsOptional()
  @IsIn(DLQ_STATUSES as unknown as string[], { message: `status must be one of: ${DLQ_STATUSES.join(', ')}` })
  status?: DlqStatus;
}

export class ReplayDto {
  @ApiProperty({ example: 'agent:main:main', description: 'Replay the pending entries of this session key' })
  @IsString()
  @Length(1, 300)
  chat_id: string;

  @ApiPropertyOptional({ description: 'Only entries of this task' })
  @IsOptional()
  @IsUUID('all', { message: 'task_id must be a UUID' })
  task_id?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: MAX_REPLAY_LIMIT, description: 'Replay at most this many entries, oldest first' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_REPLAY_LIMIT)
  limit?: number;
}

export class TaskRunsQuery extends PageQuery {}

export class IdParam {
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}
