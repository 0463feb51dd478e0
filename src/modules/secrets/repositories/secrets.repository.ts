import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { Secret } from '../entities/secret.entity';

/** Secrets of the organization in the request context. */
@Injectable()
export class SecretsRepository {
  constructor(
    @InjectRepository(Secret) private readonly repo: Repository<Secret>,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  list(limit: number, offset: number): Promise<[Secret[], number]> {
    return this.repo.findAndCount({
      where: { organizationId: RequestContext.organizationId() },
      order: { name: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  findByName(name: string): Promise<Secret | null> {
    return this.repo.findOne({ where: { organizationId: RequestContext.organizationId(), name } });
  }

  /** Creates or replaces the value of `name`; `created` tells which. */
  async upsert(name: string, ciphertext: string, dataKeyId: string, actor: string): Promise<{ secret: Secret; created: boolean }> {
    const organizationId = RequestContext.organizationId();
    const rows: { id: string; created: boolean }[] = await this.ds.query(
      `INSERT INTO secrets (organization_id, name, ciphertext, data_key_id, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (organization_id, name) DO UPDATE
         SET ciphertext = EXCLUDED.ciphertext, data_key_id = EXCLUDED.data_key_id,
             updated_at = now(), rotated_at = now(), updated_by = EXCLUDED.updated_by
       RETURNING id, (xmax = 0) AS created`,
      [organizationId, name, ciphertext, dataKeyId, actor],
    );
    const secret = await this.repo.findOneOrFail({ where: { id: rows[0].id, organizationId } });
    return { secret, created: rows[0].created };
  }

  async deleteByName(name: string): Promise<boolean> {
    const result = await this.repo.delete({ organizationId: RequestContext.organizationId(), name });
    return (result.affected ?? 0) > 0;
  }

  async markRead(id: string, actor: string): Promise<void> {
    // Raw SQL: a read must not bump updated_at.
    await this.ds.query(`UPDATE secrets SET last_read_at = now(), last_read_by = $1 WHERE id = $2 AND organization_id = $3`, [
      actor,
      id,
      RequestContext.organizationId(),
    ]);
  }

  /** Every secret of every organization, in pages (security audit only). */
  async *walkAll(pageSize = 500): AsyncGenerator<Secret> {
    let offset = 0;
    for (;;) {
      const rows = await this.repo.find({ order: { organizationId: 'ASC', name: 'ASC' }, take: pageSize, skip: offset });
      yield* rows;
      if (rows.length < pageSize) return;
      offset += rows.length;
    }
  }
}
