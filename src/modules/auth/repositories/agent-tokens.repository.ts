import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { returnedIds } from '../../../database/returned-rows';
import { AgentToken } from '../entities/agent-token.entity';
import { Organization } from '../entities/organization.entity';

export interface AgentTokenWithOrg {
  token: AgentToken;
  org: Organization;
}

@Injectable()
export class AgentTokensRepository {
  constructor(@InjectRepository(AgentToken) private readonly repo: Repository<AgentToken>) {}

  /** Authentication lookup by the public token id (unique index), across organizations: one round trip. */
  async findByTokenIdForAuthentication(tokenId: string): Promise<AgentTokenWithOrg | null> {
    const found = await this.repo
      .createQueryBuilder('t')
      .innerJoinAndMapOne('t.org', Organization, 'o', 'o.id = t.organization_id')
      .where('t.token_id = :tokenId', { tokenId })
      .getOne();
    if (!found) return null;
    const { org, ...token } = found as AgentToken & { org: Organization };
    return { token: token as AgentToken, org };
  }

  list(
    filter: { agentId?: string; includeRevoked: boolean },
    limit: number,
    offset: number,
  ): Promise<[AgentToken[], number]> {
    const where: Record<string, unknown> = { organizationId: RequestContext.organizationId() };
    if (filter.agentId) where.agentId = filter.agentId;
    if (!filter.includeRevoked) where.revokedAt = IsNull();
    return this.repo.findAndCount({ where, order: { createdAt: 'DESC' }, take: limit, skip: offset });
  }

  findById(id: string): Promise<AgentToken | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  insert(
    values: Pick<AgentToken, 'tokenId' | 'secretHash' | 'agentId' | 'label' | 'userId' | 'expiresAt'>,
  ): Promise<AgentToken> {
    return this.repo.save(this.repo.create({ ...values, organizationId: RequestContext.organizationId() }));
  }

  async revoke(id: string, at = new Date()): Promise<boolean> {
    const result = await this.repo.update(
      { id, organizationId: RequestContext.organizationId(), revokedAt: IsNull() },
      { revokedAt: at },
    );
    return (result.affected ?? 0) > 0;
  }

  async revokeAllOfUser(userId: string, at = new Date()): Promise<string[]> {
    return returnedIds(
      this.repo.query(
        `UPDATE agent_tokens SET revoked_at = $1 WHERE user_id = $2 AND organization_id = $3 AND revoked_at IS NULL RETURNING id`,
        [at, userId, RequestContext.organizationId()],
      ),
    );
  }

  async liveIdsOfOrganization(organizationId: string): Promise<string[]> {
    return returnedIds(
      this.repo.query(`SELECT id FROM agent_tokens WHERE organization_id = $1 AND revoked_at IS NULL`, [
        organizationId,
      ]),
    );
  }

  heartbeat(id: string, at = new Date()): Promise<unknown> {
    return this.repo.update({ id }, { lastHeartbeatAt: at, lastUsedAt: at });
  }

  touch(id: string, at = new Date()): Promise<unknown> {
    return this.repo.update({ id }, { lastUsedAt: at });
  }
}
