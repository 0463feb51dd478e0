import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { RateLimiterService } from '../../../common/rate-limit/rate-limiter.service';
import { AuthErrors } from '../auth.errors';
import { User } from '../entities/user.entity';
import { passwordProblems } from '../passwords';
import { BrowserSessionsRepository } from '../repositories/browser-sessions.repository';
import { OrganizationsRepository } from '../repositories/organizations.repository';
import { UsersRepository } from '../repositories/users.repository';
import { AuditService } from './audit.service';
import { BrowserSessionsService, IssuedSession } from './browser-sessions.service';
import { CredentialsService } from './credentials.service';
import { PasswordHasher } from './password-hasher.service';

/**
 * Email + password sign-in and password changes. Every attempt counts against
 * the `login` window of the client (RATE_LIMIT_LOGIN, 5 / 60 s); unknown
 * users, wrong passwords and disabled users get the same answer after the same
 * argon2id work.
 */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly sessionsRepo: BrowserSessionsRepository,
    private readonly sessions: BrowserSessionsService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiterService,
    private readonly credentials: CredentialsService,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async login(
    email: string,
    password: string,
    req: Request,
  ): Promise<{ user: User; session: IssuedSession }> {
    const clientKey = RequestContext.current()?.ip ?? req.clientIp ?? 'unknown';
    const normalized = email.trim().toLowerCase();
    const decision = await this.limiter.consume('login', clientKey);
    if (!decision.allowed) {
      this.credentials.fail('login_throttled', AuthErrors.loginThrottled(decision.retryAfterSecs));
      await this.audit.record({
        action: 'auth.login_throttled',
        target: `user:${normalized}`,
        outcome: 'denied',
        organizationId: null,
        actor: 'anonymous',
      });
      throw AuthErrors.loginThrottled(decision.retryAfterSecs);
    }
    const user = await this.users.findByEmailUnscoped(normalized);
    const passwordOk = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !passwordOk || user.disabled) {
      const reason = !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'disabled_user';
      this.credentials.fail(`login_${reason}`, AuthErrors.loginFailed());
      await this.audit.record({
        action: 'auth.login_failed',
        target: `user:${normalized}`,
        outcome: 'failed',
        organizationId: user?.organizationId ?? null,
        actor: 'anonymous',
        details: { reason },
      });
      throw AuthErrors.loginFailed();
    }
    const org = await this.orgs.findById(user.organizationId);
    if (!org) throw AuthErrors.loginFailed();
    this.credentials.assertOrganizationUsable(org);
    const session = await this.sessions.issue(user, req);
    await this.users.touchLogin(user.id);
    await this.audit.record({
      action: 'auth.login',
      target: `user:${user.email}`,
      organizationId: user.organizationId,
      actor: `user:${user.email}`,
      details: { session_id: session.id },
    });
    return { user, session };
  }

  /** Changes the signed-in user's password; every other session of that user ends. */
  async changePassword(currentPassword: string, newPassword: string): Promise<{ revoked_sessions: number }> {
    const principal = RequestContext.principal();
    if (!principal || principal.kind !== 'user' || !principal.userId) throw AuthErrors.notAUserSession();
    const decision = await this.limiter.consume('login', `password:${principal.userId}`);
    if (!decision.allowed) throw AuthErrors.loginThrottled(decision.retryAfterSecs);
    const user = await this.users.findById(principal.userId);
    if (!user) throw AuthErrors.notAUserSession();
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      await this.audit.record({
        action: 'auth.password_change',
        target: `user:${user.email}`,
        outcome: 'failed',
        details: { reason: 'wrong_current_password' },
      });
      throw AuthErrors.invalidCurrentPassword();
    }
    const problems = passwordProblems(newPassword, user.email);
    if (newPassword === currentPassword) problems.push('must differ from the current password');
    if (problems.length) throw AuthErrors.weakPassword('new_password', problems);
    await this.users.update(user.id, {
      passwordHash: await this.hasher.hash(newPassword),
      passwordChangedAt: new Date(),
    });
    const revoked = await this.sessionsRepo.revokeAllOfUser(user.id, principal.credentialId);
    if (revoked.length) {
      this.bus.publish('credentials.revoked', {
        organizationId: user.organizationId,
        credentialIds: revoked,
        userId: user.id,
        reason: 'password changed',
      });
    }
    await this.audit.record({
      action: 'auth.password_change',
      target: `user:${user.email}`,
      details: { revoked_sessions: revoked.length },
    });
    return { revoked_sessions: revoked.length };
  }
}
