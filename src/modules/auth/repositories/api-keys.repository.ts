import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { returnedIds, returnedRows } from '../../../database/returned-rows';
import { ApiKey } from '../entities/api-key.entity';
import { Organization } from '../entities/organization.entity';

export interface ApiKeyWithOrg {
  key: ApiKey;
  org: Organization;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly repo: Repository<ApiKey>) {}

  /** Authentication lookup by the public key id (unique index), across organizations: one round trip. */
  async findByKeyIdForAuthentication(keyId: string): Promise<ApiKeyWithOrg | null> {
    const found = await this.repo
      .createQueryBuilder('k')
      .innerJoinAndMapOne('k.org', Organization, 'o', 'o.id = k.organization_id')
      .where('k.key_id = :keyId', { keyId })
      .getOne();
    if (!found) return null;
    const { org, ...key } = found as ApiKey & { org: Organization };
    return { key: key as ApiKey, org };
  }

  findByKeyIdUnscoped(keyId: string): Promise<ApiKey | null> {
    return this.repo.findOne({ where: { keyId } });
  }

  list(limit: number, offset: number, includeRevoked: boolean): Promise<[ApiKey[], number]> {
    const organizationId = RequestContext.organizationId();
    return this.repo.findAndCount({
      where: includeRevoked ? { organizationId } : { organizationId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
      take: limit,
      skip: offset,
    });
  }

  findById(id: string): Promise<ApiKey | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  insert(values: Partial<ApiKey>): Promise<ApiKey> {
    return this.repo.save(
      this.repo.create({
        ...values,
        organizationId: values.organizationId ?? RequestContext.organizationId(),
      }),
    );
  }

  /** Revokes a key of the current organization; false when there was nothing to revoke. */
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
        `UPDATE api_keys SET revoked_at = $1 WHERE user_id = $2 AND organization_id = $3 AND revoked_at IS NULL RETURNING id`,
        [at, userId, RequestContext.organizationId()],
      ),
    );
  }

  async liveIdsOfOrganization(organizationId: string): Promise<string[]> {
    return returnedIds(
      this.repo.query(`SELECT id FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL`, [
        organizationId,
      ]),
    );
  }

  touch(id: string, at = new Date()): Promise<unknown> {
    return this.repo.update({ id }, { lastUsedAt: at });
  }

  /** Purges keys that expired or were revoked more than `olderThan` ago (cleanup job). */
  async deleteDeadBefore(olderThan: Date): Promise<number> {
    const rows = returnedRows(
      await this.repo.query(
        `DELETE FROM api_keys WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR (expires_at IS NOT NULL AND expires_at < $1) RETURNING id`,
        [olderThan],
      ),
    );
    return rows.length;
  }

  countActiveBootstrapKeys(): Promise<number> {
    return this.repo.count({ where: { bootstrap: true, revokedAt: IsNull() } });
  }
}
