import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { User } from '../entities/user.entity';

/** Users of the current organization; the *Unscoped lookups serve login and authentication only. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly repo: Repository<User>) {}

  /** Login lookup: email is unique across organizations. */
  findByEmailUnscoped(email: string): Promise<User | null> {
    return this.repo.findOne({ where: { email: email.toLowerCase() } });
  }

  findByIdUnscoped(id: string): Promise<User | null> {
    return this.repo.findOne({ where: { id } });
  }

  findById(id: string): Promise<User | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.repo.findAndCount({
      where: { organizationId: RequestContext.organizationId() },
      order: { createdAt: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  insert(values: Pick<User, 'email' | 'passwordHash' | 'role'> & { organizationId?: string }): Promise<User> {
    return this.repo.save(
      this.repo.create({
        ...values,
        email: values.email.toLowerCase(),
        organizationId: values.organizationId ?? RequestContext.organizationId(),
        passwordChangedAt: new Date(),
      }),
    );
  }

  /** Updates a user of the current organization (or of `organizationId` for bootstrap). */
  async update(
    id: string,
    changes: Partial<Pick<User, 'passwordHash' | 'role' | 'disabled' | 'passwordChangedAt' | 'lastLoginAt'>>,
    organizationId?: string,
  ): Promise<void> {
    await this.repo.update(
      { id, organizationId: organizationId ?? RequestContext.organizationId() },
      changes,
    );
  }

  touchLogin(id: string, at = new Date()): Promise<unknown> {
    return this.repo.update({ id }, { lastLoginAt: at });
  }
}
