import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { returnedIds } from '../../../database/returned-rows';
import { BrowserSession } from '../entities/browser-session.entity';
import { Organization } from '../entities/organization.entity';
import { User } from '../entities/user.entity';

export interface SessionWithOwner {
  session: BrowserSession;
  user: User;
  org: Organization;
}

@Injectable()
export class BrowserSessionsRepository {
  constructor(@InjectRepository(BrowserSession) private readonly repo: Repository<BrowserSession>) {}

  /** Authentication lookup by primary key, across organizations: one round trip. */
  async findForAuthentication(id: string): Promise<SessionWithOwner | null> {
    const found = await this.repo
      .createQueryBuilder('s')
      .innerJoinAndMapOne('s.user', User, 'u', 'u.id = s.user_id')
      .innerJoinAndMapOne('s.org', Organization, 'o', 'o.id = s.organization_id')
      .where('s.id = :id', { id })
      .getOne();
    if (!found) return null;
    const { user, org, ...session } = found as BrowserSession & { user: User; org: Organization };
    return { session: session as BrowserSession, user, org };
  }

  insert(
    values: Pick<
      BrowserSession,
      'organizationId' | 'userId' | 'secretHash' | 'expiresAt' | 'ip' | 'userAgent'
    >,
  ): Promise<BrowserSession> {
    return this.repo.save(this.repo.create(values));
  }

  /** Revokes one session by id (the caller proved it holds it). */
  async revoke(id: string, at = new Date()): Promise<boolean> {
    const result = await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every live session of a user of the current organization, except `exceptId`. */
  async revokeAllOfUser(userId: string, exceptId?: string, at = new Date()): Promise<string[]> {
    return returnedIds(
      this.repo.query(
        `UPDATE browser_sessions SET revoked_at = $1
        WHERE user_id = $2 AND organization_id = $3 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)
        RETURNING id`,
        [at, userId, RequestContext.organizationId(), exceptId ?? null],
      ),
    );
  }

  /** Ids of the live sessions of an organization (sockets to close when it is locked). */
  async liveIdsOfOrganization(organizationId: string): Promise<string[]> {
    return returnedIds(
      this.repo.query(
        `SELECT id FROM browser_sessions WHERE organization_id = $1 AND revoked_at IS NULL AND expires_at > now()`,
        [organizationId],
      ),
    );
  }

  /** Cleanup job: deletes sessions (all organizations) that expired or were revoked before `before`. */
  async deleteDeadBefore(before: Date): Promise<number> {
    const result = await this.repo.query(
      `DELETE FROM browser_sessions WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1`,
      [before],
    );
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }

  touch(id: string, at = new Date()): Promise<unknown> {
    return this.repo.update({ id }, { lastSeenAt: at });
  }
}
