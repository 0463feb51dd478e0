import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { HistogramValue, SeriesValues } from '../history/metric-point';

/**
 * One point of one replica: the CUMULATIVE counter values since that process
 * started (deltas are computed when read, so a lost point loses no counts), the
 * histograms summed over their labels, and the gauges at capture time.
 *
 * Metrics are cluster-wide, not a tenant's data: rows carry the platform
 * organization's id (the NOT NULL organization_id convention) and only
 * principals of the platform organization may read them.
 */
@Entity({ name: 'metrics_history' })
@Index('metrics_history_organization_id_captured_at_idx', ['organizationId', 'capturedAt'])
@Index('metrics_history_organization_id_replica_id_captured_at_idx', [
  'organizationId',
  'replicaId',
  'capturedAt',
])
export class MetricsHistoryPoint {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text', name: 'replica_id' })
  replicaId: string;

  @Column({ type: 'timestamptz', name: 'captured_at' })
  capturedAt: Date;

  @Column({ type: 'integer', name: 'interval_s' })
  intervalS: number;

  /** When the replica's process (and so its counters) started: a change means a reset. */
  @Column({ type: 'timestamptz', name: 'process_started_at' })
  processStartedAt: Date;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  counters: Record<string, SeriesValues>;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  histograms: Record<string, HistogramValue>;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  gauges: Record<string, SeriesValues>;
}
