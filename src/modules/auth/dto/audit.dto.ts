import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export class AuditQuery {
  @ApiPropertyOptional({ example: 'api_key:cc_0a1b2c3d4e5f', description: 'Exact actor' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  actor?: string;

  @ApiPropertyOptional({
    example: 'auth.login',
    description: 'Action prefix (auth. matches every auth action)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ enum: ['ok', 'denied', 'failed'] })
  @IsOptional()
  @IsIn(['ok', 'denied', 'failed'], { message: 'outcome must be one of: ok, denied, failed' })
  outcome?: 'ok' | 'denied' | 'failed';

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ example: '2026-01-02T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;

  @ApiPropertyOptional({ default: '50 (json) / 10000 (csv)', maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}

export class AuditNoteDto {
  @ApiProperty({ example: 'INC-002 opened: revoking credentials of user 7f3…' })
  @IsString()
  @Length(1, 2000)
  message: string;

  @ApiPropertyOptional({ example: 'incident:INC-002' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  target?: string;
}

export class AuditReviewDto {
  @ApiPropertyOptional({ example: 'expected: CI key rotated by the release job' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  note?: string;
}

export class AuditEntryView {
  @ApiProperty() seq: string;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true }) organization_id: string | null;
  @ApiProperty() actor: string;
  @ApiProperty() action: string;
  @ApiPropertyOptional({ nullable: true }) target: string | null;
  @ApiProperty({ enum: ['ok', 'denied', 'failed'] }) outcome: string;
  @ApiPropertyOptional({ nullable: true }) ip: string | null;
  @ApiPropertyOptional({ nullable: true }) request_id: string | null;
  @ApiProperty({ type: Object }) details: Record<string, unknown>;
  @ApiProperty() prev_hash: string;
  @ApiProperty() hash: string;
}

export class ChainVerificationView {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'Rows verified before the first broken link (all rows when ok)' })
  checked: number;
  @ApiPropertyOptional() first_broken_seq?: string;
  @ApiPropertyOptional() reason?: string;
}
