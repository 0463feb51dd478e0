import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class HistoryQuery {
  @ApiPropertyOptional({
    default: 60,
    minimum: 1,
    maximum: 43_200,
    description: 'How far back, in minutes (at most 30 days)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(43_200)
  minutes?: number;

  @ApiPropertyOptional({
    default: 1000,
    minimum: 1,
    maximum: 10_000,
    description: 'Most intervals returned (the latest ones)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}
