import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQuery } from '../../../common/http/pagination';

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const AGENT_ID_MSG = { message: 'agent_id must be 1-64 letters, digits, ".", "_" or "-"' };

export class CreateAgentTokenDto {
  @ApiProperty({ example: 'main', description: 'The agent definition the process runs as' })
  @IsString()
  @Matches(AGENT_ID, AGENT_ID_MSG)
  agent_id: string;

  @ApiPropertyOptional({ example: 'worker-eu-1' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  label?: string;

  @ApiPropertyOptional({ example: 90 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_days?: number;
}

export class AgentTokenQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(AGENT_ID, AGENT_ID_MSG)
  agent_id?: string;

  @ApiPropertyOptional({ description: 'Include revoked tokens' })
  @IsOptional()
  @Type(() => String)
  @Matches(/^(true|false)$/, { message: 'include_revoked must be true or false' })
  include_revoked?: string;
}

export class HeartbeatDto {
  @ApiPropertyOptional({ example: 'idle' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  status?: string;

  @ApiPropertyOptional({ example: '1.4.2' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  version?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  busy?: boolean;
}

export class AgentTokenView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'cca_0a1b2c3d4e5f' }) prefix: string;
  @ApiProperty() agent_id: string;
  @ApiProperty() label: string;
  @ApiProperty({ enum: ['online', 'offline', 'never_seen', 'revoked', 'expired'] }) status: string;
  @ApiProperty() online: boolean;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true }) last_used_at: string | null;
  @ApiPropertyOptional({ nullable: true }) last_heartbeat_at: string | null;
  @ApiPropertyOptional({ nullable: true }) expires_at: string | null;
  @ApiPropertyOptional({ nullable: true }) revoked_at: string | null;
}

export class CreatedAgentTokenView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Send as X-Agent-Token; shown once, never again' }) token: string;
  @ApiProperty() prefix: string;
  @ApiProperty() agent_id: string;
  @ApiProperty() label: string;
  @ApiPropertyOptional({ nullable: true }) expires_at: string | null;
}

export class HeartbeatView {
  @ApiProperty() ok: boolean;
  @ApiProperty() agent_id: string;
  @ApiProperty() online: boolean;
  @ApiProperty({ description: 'Without a heartbeat for this long the agent shows offline' })
  offline_after_s: number;
}
