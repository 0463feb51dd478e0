import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { AuthErrors } from '../auth.errors';
import { CreateUserDto, UpdateUserDto, UserView } from '../dto/user.dto';
import { User, UserRole } from '../entities/user.entity';
import { passwordProblems } from '../passwords';
import { BrowserSessionsRepository } from '../repositories/browser-sessions.repository';
import { UsersRepository } from '../repositories/users.repository';
import { ROLE_SCOPES } from '../roles';
import { AuditService } from './audit.service';
import { PasswordHasher } from './password-hasher.service';
import { RevocationService } from './revocation.service';

export function userView(u: User): UserView {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    scopes: ROLE_SCOPES[u.role] ?? [],
    disabled: u.disabled,
    created_at: u.createdAt.toISOString(),
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
    password_changed_at: u.passwordChangedAt?.toISOString() ?? null,
  };
}

/** Users of the caller's organization (REST, CLI and the ADMIN_EMAIL bootstrap share it). */
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly sessions: BrowserSessionsRepository,
    private readonly hasher: PasswordHasher,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async list(limit: number, offset: number): Promise<[UserView[], number]> {
    const [rows, total] = await this.repo.list(limit, offset);
    return [rows.map(userView), total];
  }

  async get(id: string): Promise<UserView> {
    const user = await this.repo.findById(id);
    if (!user) throw AuthErrors.userNotFound(id);
    return userView(user);
  }

  async create(dto: CreateUserDto): Promise<UserView> {
    const email = dto.email.trim().toLowerCase();
    const problems = passwordProblems(dto.password, email);
    if (problems.length) throw AuthErrors.weakPassword('password', problems);
    if (await this.repo.findByEmailUnscoped(email)) throw AuthErrors.userExists();
    let user: User;
    try {
      user = await this.repo.insert({
        email,
        role: dto.role,
        passwordHash: await this.hasher.hash(dto.password),
      });
    } catch (err) {
      if ((err as { driverError?: { code?: string } })?.driverError?.code === '23505')
        throw AuthErrors.userExists();
      throw err;
    }
    await this.audit.record({
      action: 'user.create',
      target: `user:${email}`,
      details: { user_id: user.id, role: dto.role },
    });
    return userView(user);
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserView> {
    const user = await this.repo.findById(id);
    if (!user) throw AuthErrors.userNotFound(id);
    const changes: Parameters<UsersRepository['update']>[1] = {};
    if (dto.role !== undefined) changes.role = dto.role;
    if (dto.disabled !== undefined) changes.disabled = dto.disabled;
    if (dto.password !== undefined) {
      const problems = passwordProblems(dto.password, user.email);
      if (problems.length) throw AuthErrors.weakPassword('password', problems);
      changes.passwordHash = await this.hasher.hash(dto.password);
      changes.passwordChangedAt = new Date();
    }
    await this.repo.update(id, changes);
    await this.audit.record({
      action: 'user.update',
      target: `user:${user.email}`,
      details: {
        user_id: id,
        role: dto.role,
        disabled: dto.disabled,
        password_reset: dto.password !== undefined,
      },
    });
    if (dto.disabled === true && !user.disabled) {
      await this.revocation.revokeAllOfUser(id, 'user disabled');
    } else if (dto.password !== undefined) {
      const ended = await this.sessions.revokeAllOfUser(id);
      if (ended.length) {
        this.bus.publish('credentials.revoked', {
          organizationId: RequestContext.organizationId(),
          credentialIds: ended,
          userId: id,
          reason: 'password reset',
        });
      }
    }
    return this.get(id);
  }

  /**
   * ADMIN_EMAIL/ADMIN_PASSWORD and `users create-admin`: make sure this admin
   * exists in the current organization. An existing user keeps its password
   * unless `resetPassword` is set; it becomes an enabled admin.
   */
  async ensureAdmin(
    email: string,
    password: string,
    resetPassword: boolean,
  ): Promise<{ user: UserView; outcome: 'created' | 'updated' | 'exists' }> {
    const normalized = email.trim().toLowerCase();
    const problems = passwordProblems(password, normalized);
    if (problems.length) throw AuthErrors.weakPassword('password', problems);
    const existing = await this.repo.findByEmailUnscoped(normalized);
    if (existing && existing.organizationId !== RequestContext.organizationId())
      throw AuthErrors.userExists();
    if (!existing) {
      const created = await this.create({ email: normalized, password, role: 'admin' as UserRole });
      return { user: created, outcome: 'created' };
    }
    const changes: Parameters<UsersRepository['update']>[1] = {};
    if (existing.role !== 'admin') changes.role = 'admin';
    if (existing.disabled) changes.disabled = false;
    if (resetPassword && !(await this.hasher.verify(existing.passwordHash, password))) {
      changes.passwordHash = await this.hasher.hash(password);
      changes.passwordChangedAt = new Date();
    }
    if (Object.keys(changes).length === 0) return { user: userView(existing), outcome: 'exists' };
    await this.repo.update(existing.id, changes);
    await this.audit.record({
      action: 'user.ensure_admin',
      target: `user:${normalized}`,
      details: {
        user_id: existing.id,
        role_changed: !!changes.role,
        enabled: changes.disabled === false,
        password_reset: !!changes.passwordHash,
      },
    });
    return { user: await this.get(existing.id), outcome: 'updated' };
  }
}
