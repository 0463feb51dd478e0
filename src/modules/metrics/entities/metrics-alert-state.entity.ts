import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The last alert level of each SLO and threshold, shared by every replica, so a
 * transition is logged and audited once (by the replica whose update changed
 * the row) and not again after a restart. Cluster-wide: the platform organization.
 */
@Entity({ name: 'metrics_alert_states' })
export class MetricsAlertState {
  @PrimaryColumn({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @PrimaryColumn({ type: 'text' })
  name: string;

  /** ok | burning | warning | critical */
  @Column({ type: 'text' })
  level: string;

  @Column({ type: 'double precision', nullable: true })
  value: number | null;

  @Column({ type: 'timestamptz', name: 'changed_at', default: () => 'now()' })
  changedAt: Date;
}
