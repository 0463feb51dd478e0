import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class LockdownDto {
  @ApiPropertyOptional({ example: 'INC-002: suspected key leak' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class LockdownView {
  @ApiProperty() active: boolean;
  @ApiPropertyOptional() since?: string;
  @ApiPropertyOptional() by?: string;
  @ApiPropertyOptional() reason?: string;
}
