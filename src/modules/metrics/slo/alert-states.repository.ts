import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { MetricsAlertState } from '../entities/metrics-alert-state.entity';

export interface LevelChange {
  name: string;
  from: string | null;
  to: string;
}

@Injectable()
export class AlertStatesRepository {
  constructor(@InjectRepository(MetricsAlertState) private readonly repo: Repository<MetricsAlertState>) {}

  /**
   * Sets the level of `name` and reports the change, atomically: of several
   * replicas storing the same new level, exactly one sees a change. `from` is
   * null the first time the name is stored.
   */
  async setLevel(name: string, level: string, value: number | null): Promise<LevelChange | null> {
    const rows: { previous: string | null }[] = await this.repo.query(
      `WITH prev AS (
         SELECT level FROM metrics_alert_states WHERE organization_id = $1 AND name = $2
       )
       INSERT INTO metrics_alert_states (organization_id, name, level, value, changed_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (organization_id, name) DO UPDATE
         SET level = EXCLUDED.level, value = EXCLUDED.value, changed_at = EXCLUDED.changed_at
         WHERE metrics_alert_states.level <> EXCLUDED.level
       RETURNING (SELECT level FROM prev) AS previous`,
      [RequestContext.organizationId(), name, level, value],
    );
    return rows.length ? { name, from: rows[0].previous, to: level } : null;
  }

  list(): Promise<MetricsAlertState[]> {
    return this.repo.find({
      where: { organizationId: RequestContext.organizationId() },
      order: { name: 'ASC' },
    });
  }
}
