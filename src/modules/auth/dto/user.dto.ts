import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { UserRole } from '../entities/user.entity';
import { PASSWORD_MAX_LENGTH } from '../passwords';
import { USER_ROLES } from '../roles';

export class LoginDto {
  @ApiProperty({ example: 'ops@example.com' })
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}

export class LoginResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'When the session ends' }) expires_at: string;
  @ApiProperty({
    description: 'Send it back in x-csrf-token on mutating requests (also in the mc_csrf cookie)',
  })
  csrf_token: string;
  @ApiProperty({ example: { id: 'uuid', email: 'ops@example.com', role: 'admin' } }) user: {
    id: string;
    email: string;
    role: UserRole;
  };
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  current_password: string;

  @ApiProperty({ minLength: 12 })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  new_password: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'viewer@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 12 })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES, { message: `role must be one of: ${USER_ROLES.join(', ')}` })
  role: UserRole;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES, { message: `role must be one of: ${USER_ROLES.join(', ')}` })
  role?: UserRole;

  @ApiPropertyOptional({ description: 'Disabling also revokes every credential of the user' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ description: 'Reset the password (ends every session of the user)' })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;
}

export class UserView {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: USER_ROLES }) role: UserRole;
  @ApiProperty({ isArray: true, type: String }) scopes: string[];
  @ApiProperty() disabled: boolean;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true }) last_login_at: string | null;
  @ApiPropertyOptional({ nullable: true }) password_changed_at: string | null;
}

export class RevokeAllView {
  @ApiProperty() user_id: string;
  @ApiProperty() api_keys: number;
  @ApiProperty() browser_sessions: number;
  @ApiProperty() agent_tokens: number;
  @ApiProperty({ isArray: true, type: String }) credential_ids: string[];
}
