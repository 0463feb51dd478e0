import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { SCOPES } from '../../../common/context/principal';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci-deployer' })
  @IsString()
  @Length(1, 100)
  label: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['operator.read', 'operator.write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES as unknown as string[], {
    each: true,
    message: `each value in scopes must be one of: ${SCOPES.join(', ')}`,
  })
  scopes: string[];

  @ApiPropertyOptional({ example: 90, description: 'Days until the key expires' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_days?: number;
}

export class ApiKeyView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'cc_1a2b3c4d5e6f' }) prefix: string;
  @ApiProperty() label: string;
  @ApiProperty({ isArray: true, enum: SCOPES }) scopes: string[];
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true }) last_used_at: string | null;
  @ApiPropertyOptional({ nullable: true }) expires_at: string | null;
  @ApiPropertyOptional({ nullable: true }) revoked_at: string | null;
  @ApiProperty() bootstrap: boolean;
}

export class CreatedApiKeyView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The secret: shown once, never again' }) api_key: string;
  @ApiProperty() prefix: string;
  @ApiProperty({ isArray: true, enum: SCOPES }) scopes: string[];
  @ApiPropertyOptional({ nullable: true }) expires_at: string | null;
}
