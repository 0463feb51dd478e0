import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../../common/http/pagination';
import {
  REASONING_LEVELS,
  SessionTreeNode,
  SessionView,
  THINKING_LEVELS,
  VERBOSE_LEVELS,
} from '../session.types';

export class ListSessionsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'main' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  agent_id?: string;

  @ApiPropertyOptional({ description: 'Substring of the key or label (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;

  @ApiPropertyOptional({ description: 'Exact label' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string;

  @ApiPropertyOptional({ description: 'Only sessions active within the last N minutes' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(525_600)
  active_minutes?: number;
}

export class SpawnSessionDto {
  @ApiPropertyOptional({ example: 'main', description: 'Default: main' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  agent_id?: string;

  @ApiPropertyOptional({ example: 'triage-42', description: 'Session name; default spawn-<random>' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'Triage of incident 42' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string;

  @ApiPropertyOptional({ description: 'First message; when given a run starts at once' })
  @IsOptional()
  @IsString()
  task?: string;

  @ApiPropertyOptional({ description: 'Model for this session (overrides the agent’s)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;

  @ApiPropertyOptional({ description: 'Timeout of the task run in seconds' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  run_timeout_secs?: number;

  @ApiPropertyOptional({
    example: 'agent',
    description: '"agent" (default) or "acp" (external ACP agent, when enabled)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  runtime?: string;

  @ApiPropertyOptional({ description: 'Named ACP target (runtime "acp")' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  runtime_target?: string;

  @ApiPropertyOptional({
    example: 'agent:main:main',
    description: 'Session spawning this one: its tree parent; an ACP subagent announces its result there',
  })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  parent_session_key?: string;
}

export class ForkSessionDto {
  @ApiProperty({ example: 'agent:main:main' })
  @IsString()
  @Length(1, 300)
  source_session_key: string;

  @ApiPropertyOptional({
    example: 'agent:main:experiment',
    description: 'Default: <source name>-fork-<random>',
  })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  target_session_key?: string;

  @ApiPropertyOptional({ example: 4, description: 'Number of messages to copy (message index); default all' })
  @IsOptional()
  @IsInt()
  @Min(0)
  fork_point?: number;
}

export class SendMessageDto {
  @ApiProperty({ example: 'status summary' })
  @IsString()
  message: string;

  @ApiPropertyOptional({
    description: 'The same key on the same session returns the same run, never a second one',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotency_key?: string;

  @ApiPropertyOptional({ description: 'Run timeout in seconds (overrides the agent’s run_timeout_secs)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  timeout_secs?: number;

  @ApiPropertyOptional({ enum: THINKING_LEVELS, description: 'Thinking level for this run only' })
  @IsOptional()
  thinking?: string;
}

export class PatchSessionDto {
  @ApiPropertyOptional({ nullable: true, description: 'null clears' })
  @IsOptional()
  label?: string | null;

  @ApiPropertyOptional({ enum: THINKING_LEVELS, nullable: true })
  @IsOptional()
  thinking_level?: string | null;

  @ApiPropertyOptional({ enum: VERBOSE_LEVELS, nullable: true })
  @IsOptional()
  verbose_level?: string | null;

  @ApiPropertyOptional({ enum: REASONING_LEVELS, nullable: true })
  @IsOptional()
  reasoning_level?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  model?: string | null;
}

export class AbortDto {
  @ApiPropertyOptional({ description: 'Only this run (default: every active and queued run of the session)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  run_id?: string;
}

export class DeleteSessionDto {
  @ApiProperty({ example: 'agent:main:old' })
  @IsString()
  @Length(1, 300)
  session_key: string;
}

export class HistoryQuery {
  @ApiPropertyOptional({ default: 200, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (older messages)' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  cursor?: string;
}

export class SessionResponse {
  @ApiProperty({ example: 'agent:main:main' }) key: string;
  @ApiProperty() agent_id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true }) label: string | null;
  @ApiPropertyOptional({ enum: THINKING_LEVELS, nullable: true }) thinking_level: string | null;
  @ApiPropertyOptional({ enum: VERBOSE_LEVELS, nullable: true }) verbose_level: string | null;
  @ApiPropertyOptional({ enum: REASONING_LEVELS, nullable: true }) reasoning_level: string | null;
  @ApiPropertyOptional({ nullable: true }) model: string | null;
  @ApiPropertyOptional({ nullable: true }) parent_key: string | null;
  @ApiPropertyOptional({ nullable: true }) fork_point: number | null;
  @ApiProperty({ description: 'The parent session was deleted' }) parent_missing: boolean;
  @ApiProperty({ description: 'False when the agent was deleted (sending answers 409)' })
  agent_exists: boolean;
  @ApiProperty() message_count: number;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiPropertyOptional({ nullable: true }) last_run_at: string | null;
}

export function toSessionResponse(s: SessionView): SessionResponse {
  return {
    key: s.key,
    agent_id: s.agentId,
    name: s.name,
    label: s.label,
    thinking_level: s.thinkingLevel,
    verbose_level: s.verboseLevel,
    reasoning_level: s.reasoningLevel,
    model: s.model,
    parent_key: s.parentKey,
    fork_point: s.forkPoint,
    parent_missing: s.parentMissing,
    agent_exists: s.agentExists,
    message_count: s.messageCount,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    last_run_at: s.lastRunAt,
  };
}

export interface TreeNodeResponse {
  key: string;
  label: string | null;
  agent_id: string;
  parent_key: string | null;
  fork_point: number | null;
  parent_missing: boolean;
  children: TreeNodeResponse[];
}

export function toTreeResponse(n: SessionTreeNode): TreeNodeResponse {
  return {
    key: n.key,
    label: n.label,
    agent_id: n.agentId,
    parent_key: n.parentKey,
    fork_point: n.forkPoint,
    parent_missing: n.parentMissing,
    children: n.children.map(toTreeResponse),
  };
}
