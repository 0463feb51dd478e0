import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { MetricsHistoryPoint } from '../entities/metrics-history-point.entity';
import { StoredPoint } from './deltas';

export type NewHistoryPoint = Omit<StoredPoint, never>;

function toStored(row: MetricsHistoryPoint): StoredPoint {
  return {
    replicaId: row.replicaId,
    capturedAt: new Date(row.capturedAt),
    intervalS: row.intervalS,
    processStartedAt: new Date(row.processStartedAt),
    counters: row.counters ?? {},
    histograms: row.histograms ?? {},
    gauges: row.gauges ?? {},
  };
}

/** metrics_history, scoped to the request context's organization (the platform organization). */
@Injectable()
export class MetricsHistoryRepository {
  constructor(
    @InjectRepository(MetricsHistoryPoint) private readonly repo: Repository<MetricsHistoryPoint>,
  ) {}

  async insert(point: NewHistoryPoint): Promise<void> {
    await this.repo.insert({ ...point, organizationId: RequestContext.organizationId() });
  }

  /** Points captured in [since, until], oldest first. */
  async between(since: Date, until: Date): Promise<StoredPoint[]> {
    const rows = await this.repo
      .createQueryBuilder('p')
      .where('p.organization_id = :org', { org: RequestContext.organizationId() })
      .andWhere('p.captured_at >= :since AND p.captured_at <= :until', { since, until })
      .orderBy('p.captured_at', 'ASC')
      .getMany();
    return rows.map(toStored);
  }

  /** Each replica's last point before `before` (the baseline its first delta in a window is taken against). */
  async lastBefore(before: Date, replicaIds: string[]): Promise<StoredPoint[]> {
    if (replicaIds.length === 0) return [];
    const rows = await this.repo
      .createQueryBuilder('p')
      .distinctOn(['p.replica_id'])
      .where('p.organization_id = :org', { org: RequestContext.organizationId() })
      .andWhere('p.replica_id IN (:...replicaIds)', { replicaIds })
      .andWhere('p.captured_at < :before', { before })
      .orderBy('p.replica_id', 'ASC')
      .addOrderBy('p.captured_at', 'DESC')
      .getMany();
    return rows.map(toStored);
  }

  /** Deletes points older than `olderThan` (all organizations: retention is cluster-wide). */
  async purgeOlderThan(olderThan: Date): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .where('captured_at < :olderThan', { olderThan })
      .execute();
    return result.affected ?? 0;
  }
}
