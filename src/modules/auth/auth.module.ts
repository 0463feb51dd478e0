import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthGuard } from './auth.guard';
import { AgentTokensController } from './controllers/agent-tokens.controller';
import { AgentController } from './controllers/agent.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AuditController } from './controllers/audit.controller';
import { AuthSessionController } from './controllers/auth-session.controller';
import { LockdownController } from './controllers/lockdown.controller';
import { OrganizationsController } from './controllers/organizations.controller';
import { SelfCheckController } from './controllers/self-check.controller';
import { UsersController } from './controllers/users.controller';
import { AgentToken } from './entities/agent-token.entity';
import { ApiKey } from './entities/api-key.entity';
import { AuditEntry } from './entities/audit-entry.entity';
import { BrowserSession } from './entities/browser-session.entity';
import { Organization } from './entities/organization.entity';
import { Setting } from './entities/setting.entity';
import { User } from './entities/user.entity';
import { AgentTokensRepository } from './repositories/agent-tokens.repository';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { AuditRepository } from './repositories/audit.repository';
import { BrowserSessionsRepository } from './repositories/browser-sessions.repository';
import { OrganizationsRepository } from './repositories/organizations.repository';
import { SettingsRepository } from './repositories/settings.repository';
import { UsersRepository } from './repositories/users.repository';
import { AuthSelfChecks } from './self-check/auth-self-checks';
import { SelfCheckService } from './self-check/self-check.service';
import { AgentTokensService } from './services/agent-tokens.service';
import { ApiKeysService } from './services/api-keys.service';
import { AuditService } from './services/audit.service';
import { AuthStatusService } from './services/auth-status.service';
import { BootstrapService } from './services/bootstrap.service';
import { BrowserSessionsService } from './services/browser-sessions.service';
import { CredentialsService } from './services/credentials.service';
import { ForwardedHeadersObserver } from './services/forwarded-headers.observer';
import { LockdownService } from './services/lockdown.service';
import { LoginService } from './services/login.service';
import { OrganizationsService } from './services/organizations.service';
import { PasswordHasher } from './services/password-hasher.service';
import { RequestAuthenticator } from './services/request-authenticator.service';
import { RevocationService } from './services/revocation.service';
import { UsersService } from './services/users.service';

/**
 * Organizations, users, browser sessions, API keys, agent tokens, audit,
 * self-check and lockdown. Global: every module records audit entries, checks
 * lockdown and registers self-checks through it.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([Organization, Setting, User, ApiKey, BrowserSession, AgentToken, AuditEntry]),
  ],
  controllers: [
    AuthSessionController,
    ApiKeysController,
    UsersController,
    AgentTokensController,
    AgentController,
    OrganizationsController,
    AuditController,
    SelfCheckController,
    LockdownController,
  ],
  providers: [
    OrganizationsRepository,
    ApiKeysRepository,
    UsersRepository,
    BrowserSessionsRepository,
    AgentTokensRepository,
    SettingsRepository,
    AuditRepository,
    AuditService,
    PasswordHasher,
    ForwardedHeadersObserver,
    CredentialsService,
    RequestAuthenticator,
    LockdownService,
    ApiKeysService,
    BrowserSessionsService,
    LoginService,
    RevocationService,
    UsersService,
    AgentTokensService,
    OrganizationsService,
    AuthStatusService,
    SelfCheckService,
    AuthSelfChecks,
    BootstrapService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [
    AuditService,
    CredentialsService,
    LockdownService,
    OrganizationsRepository,
    SelfCheckService,
    ApiKeysService,
    UsersService,
    RevocationService,
    AgentTokensService,
  ],
})
export class AuthModule {}
