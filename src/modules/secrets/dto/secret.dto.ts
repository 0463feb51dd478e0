import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MinLength } from 'class-validator';
import { VAULT_LOCK_SCOPES, VaultLockScope } from '../services/vault-lock.service';

export class PutSecretDto {
  @ApiProperty({
    description: 'The secret value. Write-only: no endpoint ever returns it. Limit: SECRETS_MAX_VALUE_BYTES (default 65536 bytes)',
    example: 'sk-live-…',
  })
  @IsString()
  @MinLength(1, { message: 'value must not be empty' })
  value: string;
}

/** Metadata of a secret. There is deliberately no value field. */
export class SecretView {
  @ApiProperty({ example: 'OPENAI_API_KEY' }) name: string;
  @ApiProperty({ example: 'secret:OPENAI_API_KEY', description: 'What to put in agent, MCP or webhook config to use it' })
  reference: string;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiPropertyOptional({ nullable: true, description: 'When the value was last replaced' }) rotated_at: string | null;
  @ApiPropertyOptional({ nullable: true }) last_read_at: string | null;
  @ApiPropertyOptional({ nullable: true, example: 'api_key:cc_1a2b3c4d5e6f' }) last_read_by: string | null;
  @ApiPropertyOptional({ nullable: true }) created_by: string | null;
  @ApiPropertyOptional({ nullable: true }) updated_by: string | null;
}

export class DeletedSecretView {
  @ApiProperty() name: string;
  @ApiProperty() deleted: boolean;
}

export class VaultLockDto {
  @ApiPropertyOptional({
    enum: VAULT_LOCK_SCOPES,
    default: 'organization',
    description: 'organization: your organization only; global: every organization (platform administrators)',
  })
  @IsOptional()
  @IsIn(VAULT_LOCK_SCOPES, { message: `scope must be one of: ${VAULT_LOCK_SCOPES.join(', ')}` })
  scope?: VaultLockScope;

  @ApiPropertyOptional({ example: 'INC-2041: provider key leaked in a transcript' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class VaultUnlockDto {
  @ApiPropertyOptional({ enum: VAULT_LOCK_SCOPES, default: 'organization' })
  @IsOptional()
  @IsIn(VAULT_LOCK_SCOPES, { message: `scope must be one of: ${VAULT_LOCK_SCOPES.join(', ')}` })
  scope?: VaultLockScope;
}

export class VaultLockStateView {
  @ApiProperty() locked: boolean;
  @ApiProperty({ nullable: true }) since: string | null;
  @ApiProperty({ nullable: true }) by: string | null;
  @ApiProperty({ nullable: true }) reason: string | null;
}

export class VaultLockStatusView {
  @ApiProperty({ description: 'True when nothing of your organization decrypts (organization or global lock)' })
  locked: boolean;
  @ApiProperty({ type: VaultLockStateView }) organization: VaultLockStateView;
  @ApiProperty({ type: VaultLockStateView }) global: VaultLockStateView;
}
