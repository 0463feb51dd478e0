import { IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';
import { randomToken } from '../../common/crypto';
import { CrossFieldCheck } from '../../config/config-loader';
import { EnvVar } from '../../config/env-var.decorator';

export class AuthConfig implements CrossFieldCheck {
  @EnvVar({
    name: 'ADMIN_API_KEY',
    doc: 'At boot, ensure an operator.admin API key with exactly this secret exists (>= 32 chars)',
    secret: true,
  })
  @IsOptional()
  @MinLength(32)
  adminApiKey?: string;

  @EnvVar({ name: 'ADMIN_EMAIL', doc: 'With ADMIN_PASSWORD: ensure this admin user exists at boot' })
  @IsOptional()
  @IsEmail()
  adminEmail?: string;

  @EnvVar({ name: 'ADMIN_PASSWORD', doc: 'Password of the ADMIN_EMAIL user (>= 12 chars)', secret: true })
  @IsOptional()
  @MinLength(12)
  adminPassword?: string;

  @EnvVar({
    name: 'SESSION_SECRET',
    doc: 'Signing secret of browser sessions, CSRF tokens and agent tokens; changing it logs everyone out. Unset = random per process (single replica only)',
    secret: true,
  })
  @IsOptional()
  @MinLength(32)
  sessionSecret?: string;

  @EnvVar({ name: 'SESSION_TTL_HOURS', doc: 'Browser session lifetime', default: '12' })
  @IsInt()
  @Min(1)
  sessionTtlHours: number;

  @EnvVar({
    name: 'COOKIE_SECURE',
    doc: 'auto (Secure when the request arrived over HTTPS) | true | false',
    default: 'auto',
  })
  @IsIn(['auto', 'true', 'false'])
  cookieSecure: 'auto' | 'true' | 'false';

  @EnvVar({
    name: 'AGENT_OFFLINE_AFTER_S',
    doc: 'An agent without heartbeat for this long is offline',
    default: '90',
  })
  @IsInt()
  @Min(5)
  agentOfflineAfterS: number;

  @EnvVar({
    name: 'API_KEY_DEFAULT_EXPIRES_DAYS',
    doc: 'Expiry of new API keys when none is given (0 = never)',
    default: '0',
  })
  @IsInt()
  @Min(0)
  apiKeyDefaultExpiresDays: number;

  @EnvVar({
    name: 'AUTH_AUDIT_READS',
    doc: 'Also audit successful read-only requests (noisy)',
    default: 'false',
  })
  @IsBoolean()
  auditReads: boolean;

  @IsString()
  readonly ephemeralSessionSecret = randomToken(32);

  /** The signing secret in force (the configured one, or this process's random one). */
  get signingSecret(): string {
    return this.sessionSecret ?? this.ephemeralSessionSecret;
  }

  crossFieldProblems(): string[] {
    const problems: string[] = [];
    if (!!this.adminEmail !== !!this.adminPassword) {
      problems.push('ADMIN_EMAIL: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
    }
    return problems;
  }
}
