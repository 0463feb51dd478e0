import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { DataKey } from '../entities/data-key.entity';

export interface DataKeyRow {
  id: string;
  organizationId: string;
  wrappedKey: string;
  masterKeyId: string;
}

/**
 * Data keys. Lookups take the organization explicitly because the vault
 * resolves keys for the organization of the request context (the service
 * passes RequestContext.organizationId()); the unscoped methods serve
 * master-key rotation, the boot check and the security audit, which span
 * every organization by design.
 */
@Injectable()
export class DataKeysRepository {
  constructor(
    @InjectRepository(DataKey) private readonly repo: Repository<DataKey>,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  findForOrganization(organizationId: string): Promise<DataKey | null> {
    return this.repo.findOne({ where: { organizationId } });
  }

  findById(organizationId: string, id: string): Promise<DataKey | null> {
    return this.repo.findOne({ where: { id, organizationId } });
  }

  /** Inserts the organization's data key unless another replica already did; false when it lost the race. */
  async insertIfAbsent(row: DataKeyRow): Promise<boolean> {
    const inserted: unknown[] = await this.ds.query(
      `INSERT INTO data_keys (id, organization_id, wrapped_key, master_key_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (organization_id) DO NOTHING RETURNING id`,
      [row.id, row.organizationId, row.wrappedKey, row.masterKeyId],
    );
    return inserted.length > 0;
  }

  /**
   * Deletes an organization's secrets and data key in one transaction (vault
   * re-initialization after corruption); returns how many secrets went.
   */
  async deleteOrganizationVault(organizationId: string): Promise<number> {
    return this.ds.transaction(async (em) => {
      const secrets: unknown[] = await em.query(`DELETE FROM secrets WHERE organization_id = $1 RETURNING id`, [organizationId]);
      await em.query(`DELETE FROM data_keys WHERE organization_id = $1`, [organizationId]);
      return secrets.length;
    });
  }

  /** How many data keys each master key wraps (unscoped: boot check, audit, rotation). */
  async countByMasterKey(): Promise<Map<string, number>> {
    const rows: { master_key_id: string; n: string }[] = await this.ds.query(
      `SELECT master_key_id, count(*) AS n FROM data_keys GROUP BY master_key_id`,
    );
    return new Map(rows.map((r) => [r.master_key_id, Number(r.n)]));
  }

  /** One data key wrapped with this master key (boot check). */
  findOneWrappedBy(masterKeyId: string): Promise<DataKey | null> {
    return this.repo.findOne({ where: { masterKeyId }, order: { createdAt: 'ASC' } });
  }

  /** Every data key (security audit; one row per organization). */
  listAll(): Promise<DataKey[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  /**
   * One rotation batch in its own transaction: locks up to `limit` data keys not
   * wrapped with `currentId` (skipping rows another rotator holds and `skipIds`),
   * lets `rewrap` compute the new wrapping, writes it. Returns what it did.
   */
  async rewrapBatch(
    currentId: string,
    limit: number,
    skipIds: string[],
    rewrap: (row: DataKeyRow) => string | Error,
  ): Promise<{ rewrapped: string[]; failed: { id: string; organizationId: string; error: Error }[] }> {
    return this.ds.transaction(async (em) => {
      const rows: { id: string; organization_id: string; wrapped_key: string; master_key_id: string }[] = await em.query(
        `SELECT id, organization_id, wrapped_key, master_key_id FROM data_keys
         WHERE master_key_id <> $1 AND NOT (id = ANY($2::uuid[]))
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [currentId, skipIds, limit],
      );
      const rewrapped: string[] = [];
      const failed: { id: string; organizationId: string; error: Error }[] = [];
      for (const r of rows) {
        const row = { id: r.id, organizationId: r.organization_id, wrappedKey: r.wrapped_key, masterKeyId: r.master_key_id };
        const result = rewrap(row);
        if (result instanceof Error) {
          failed.push({ id: row.id, organizationId: row.organizationId, error: result });
          continue;
        }
        await em.query(`UPDATE data_keys SET wrapped_key = $1, master_key_id = $2, rotated_at = now() WHERE id = $3`, [
          result,
          currentId,
          row.id,
        ]);
        rewrapped.push(row.id);
      }
      return { rewrapped, failed };
    });
  }
}
