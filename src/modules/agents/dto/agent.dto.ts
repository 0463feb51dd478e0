import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { AgentView, PROVIDER_TYPES, ProviderType } from '../agent.types';
import { AGENT_ID_PATTERN } from '../agent-id';

const TOOL_PATTERN = /^(\*|[A-Za-z0-9_.:-]{1,128}\*?)$/;

export class ProviderDto {
  @ApiProperty({ enum: PROVIDER_TYPES, example: 'openai' })
  @IsIn(PROVIDER_TYPES as unknown as string[], {
    message: `type must be one of: ${PROVIDER_TYPES.join(', ')}`,
  })
  type: ProviderType;

  @ApiPropertyOptional({
    example: 'https://api.openai.com/v1',
    description: 'OpenAI-compatible base URL (…/v1); openai only',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'base_url must be an http(s) URL' })
  base_url?: string;

  @ApiPropertyOptional({ example: 'gpt-4o-mini' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;

  @ApiPropertyOptional({
    description:
      'A literal key (stored encrypted) or `secret:<name>`; write-only, responses show has_api_key',
    example: 'secret:openai',
  })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  api_key?: string;
}

export class CreateAgentDto {
  @ApiProperty({ example: 'support', description: '1-64 of a-z 0-9 _ -' })
  @IsString()
  @Matches(AGENT_ID_PATTERN, {
    message: 'id must be 1-64 lowercase letters, digits, "_" or "-", starting with a letter or digit',
  })
  id: string;

  @ApiProperty({ example: 'Support agent' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ example: 'You are a careful support engineer.' })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  system_prompt?: string | null;

  @ApiProperty({ type: ProviderDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderDto)
  provider: ProviderDto;

  @ApiPropertyOptional({
    isArray: true,
    type: String,
    example: ['mcp.github.*', 'schedule_task'],
    description: 'Tools the agent may call: names, prefixes ending in *, or * for all; default none',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(TOOL_PATTERN, { each: true, message: 'each tool must be a tool name, a prefix ending in *, or *' })
  tools?: string[] | null;

  @ApiPropertyOptional({ example: 300, description: 'Run timeout in seconds (requests may override)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  run_timeout_secs?: number | null;
}

export class UpdateAgentDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  system_prompt?: string | null;

  @ApiPropertyOptional({
    type: ProviderDto,
    description: 'Replaces the provider config; omitting api_key keeps the stored key',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderDto)
  provider?: ProviderDto;

  @ApiPropertyOptional({ isArray: true, type: String, nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(TOOL_PATTERN, { each: true, message: 'each tool must be a tool name, a prefix ending in *, or *' })
  tools?: string[] | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  run_timeout_secs?: number | null;
}

export class AgentProviderView {
  @ApiProperty({ enum: PROVIDER_TYPES }) type: string;
  @ApiPropertyOptional({ nullable: true }) base_url: string | null;
  @ApiPropertyOptional({ nullable: true }) model: string | null;
  @ApiProperty({ description: 'Whether an API key is stored (the key itself is never returned)' })
  has_api_key: boolean;
}

export class AgentResponse {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true }) system_prompt: string | null;
  @ApiProperty({ type: AgentProviderView }) provider: AgentProviderView;
  @ApiProperty({ isArray: true, type: String }) tools: string[];
  @ApiPropertyOptional({ nullable: true }) run_timeout_secs: number | null;
  @ApiProperty() built_in: boolean;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export function toAgentResponse(a: AgentView): AgentResponse {
  return {
    id: a.id,
    name: a.name,
    system_prompt: a.systemPrompt,
    provider: {
      type: a.provider.type,
      base_url: a.provider.baseUrl ?? null,
      model: a.provider.model ?? null,
      has_api_key: a.provider.hasApiKey,
    },
    tools: a.tools,
    run_timeout_secs: a.runTimeoutSecs,
    built_in: a.builtIn,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}
