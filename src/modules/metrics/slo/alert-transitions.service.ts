import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../../auth/services/audit.service';
import { AlertStatesRepository, LevelChange } from './alert-states.repository';
import { MetricsSummary } from './metrics-summary.service';

interface Observed {
  name: string;
  kind: 'slo' | 'threshold';
  level: string;
  status: string;
  value: number | null;
  limit: Record<string, number>;
}

/** The alert level of a reading: no_data counts as ok (an absence of traffic is not an incident). */
function observed(summary: MetricsSummary): Observed[] {
  return [
    ...Object.values(summary.slo).map((s) => ({
      name: `slo.${s.name}`,
      kind: 'slo' as const,
      level: s.status === 'burning' ? 'burning' : 'ok',
      status: s.status,
      value: s.value,
      limit: { burn_threshold: s.burn_threshold },
    })),
    ...Object.values(summary.thresholds).map((t) => ({
      name: `threshold.${t.name}`,
      kind: 'threshold' as const,
      level: t.state === 'warning' || t.state === 'critical' ? t.state : 'ok',
      status: t.state,
      value: t.value,
      limit: { warning: t.warning, critical: t.critical },
    })),
  ];
}

/**
 * Logs and audits (`slo.transition`) each change of an SLO's or threshold's
 * alert level once for the whole cluster: the level is kept in
 * metrics_alert_states and only the replica whose update changed it reports.
 * The first level ever stored is reported only when it is not ok.
 */
@Injectable()
export class AlertTransitionsService {
  private readonly logger = new Logger('MetricsAlerts');

  constructor(
    private readonly states: AlertStatesRepository,
    private readonly audit: AuditService,
  ) {}

  async record(summary: MetricsSummary, organizationId: string): Promise<LevelChange[]> {
    const changes: LevelChange[] = [];
    for (const o of observed(summary)) {
      const change = await this.states.setLevel(o.name, o.level, o.value);
      if (!change || (change.from === null && change.to === 'ok')) continue;
      changes.push(change);
      const message = `${o.name}: ${change.from ?? 'unknown'} -> ${change.to} (value ${o.value ?? 'no data'})`;
      if (change.to === 'ok') this.logger.log(message);
      else this.logger.warn(message);
      await this.audit.record({
        action: 'slo.transition',
        target: o.name,
        organizationId,
        actor: 'system',
        details: {
          kind: o.kind,
          from: change.from,
          to: change.to,
          status: o.status,
          value: o.value,
          ...o.limit,
        },
      });
    }
    return changes;
  }
}
