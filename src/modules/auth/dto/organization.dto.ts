import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';
import { CreatedApiKeyView } from './api-key.dto';

export class CreateOrganizationDto {
  @ApiProperty({ example: 'acme', description: 'lower-case letters, digits and "-", 2-63 characters' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, {
    message: 'slug must be 2-63 lower-case letters, digits or "-", starting with a letter or digit',
  })
  slug: string;

  @ApiProperty({ example: 'Acme Corp' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({
    example: 'acme first admin',
    description: 'Label of the first operator.admin key of the organization',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  admin_key_label?: string;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    description: 'A disabled organization answers 403 ORG_DISABLED to all its credentials',
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class LockOrganizationDto {
  @ApiPropertyOptional({ example: 'INC-002: suspected token compromise' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class OrganizationView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Admins of the platform organization manage all organizations' })
  platform: boolean;
  @ApiProperty() disabled: boolean;
  @ApiProperty() locked: boolean;
  @ApiPropertyOptional({ nullable: true }) locked_at: string | null;
  @ApiPropertyOptional({ nullable: true }) locked_reason: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class CreatedOrganizationView extends OrganizationView {
  @ApiProperty({
    type: CreatedApiKeyView,
    description: 'The first operator.admin key of the organization, shown once',
  })
  admin_api_key: CreatedApiKeyView;
}
