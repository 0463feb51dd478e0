import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { PageQuery } from '../../../common/http/pagination';
import { SUBAGENT_LOG_KINDS, SubagentLogKind } from '../entities/subagent-log-entry.entity';
import { SUBAGENT_STATUSES, SubagentStatus } from '../entities/subagent-run.entity';

export class ListSubagentRunsQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'agent:main:spawn-1a2b3c4d',
    description: 'Only subagents of this session',
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  session_key?: string;

  @ApiPropertyOptional({ example: 'agent:main:main', description: 'Only subagents spawned by this session' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  parent_session_key?: string;

  @ApiPropertyOptional({ enum: SUBAGENT_STATUSES })
  @IsOptional()
  @IsIn(SUBAGENT_STATUSES as unknown as string[])
  status?: SubagentStatus;

  @ApiPropertyOptional({ example: 'codex', description: 'Only runs of this named target' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  target?: string;
}

export class SubagentLogQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SUBAGENT_LOG_KINDS, description: 'Only events of this kind' })
  @IsOptional()
  @IsIn(SUBAGENT_LOG_KINDS as unknown as string[])
  kind?: SubagentLogKind;
}

export class ResolveApprovalDto {
  @ApiProperty({
    enum: ['approve', 'deny'],
    description: 'Also accepted: allow-once, allow-always (approve), reject (deny)',
  })
  @IsString()
  @Length(1, 20)
  decision: string;
}

export class SubagentRunResponse {
  @ApiProperty() id: string;
  @ApiPropertyOptional({ nullable: true }) run_id: string | null;
  @ApiProperty() session_key: string;
  @ApiPropertyOptional({ nullable: true }) parent_session_key: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Named target; null = subagents.acp.command' }) target:
    | string
    | null;
  @ApiProperty({ description: 'Command line (never the environment)' }) command: string;
  @ApiPropertyOptional({ nullable: true }) workspace: string | null;
  @ApiPropertyOptional({ nullable: true }) pid: number | null;
  @ApiProperty({ enum: SUBAGENT_STATUSES }) status: string;
  @ApiPropertyOptional({ nullable: true }) exit_code: number | null;
  @ApiPropertyOptional({ nullable: true }) exit_signal: string | null;
  @ApiPropertyOptional({ nullable: true }) error: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Last KiB of the agent’s stderr' }) stderr_tail:
    | string
    | null;
  @ApiPropertyOptional({ nullable: true }) result_text: string | null;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true }) started_at: string | null;
  @ApiPropertyOptional({ nullable: true }) finished_at: string | null;
  @ApiPropertyOptional({ nullable: true }) announced_at: string | null;
}
