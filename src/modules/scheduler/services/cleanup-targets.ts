import { Type } from '@nestjs/common';
import { ApiKeysService } from '../../auth/services/api-keys.service';
import { AuditService } from '../../auth/services/audit.service';
import { BrowserSessionsService } from '../../auth/services/browser-sessions.service';
import { MetricsHistoryService } from '../../metrics/history/metrics-history.service';
import { MetricsConfig } from '../../metrics/metrics.config';
import { DeliveryRetention } from '../../webhooks/processing/delivery-retention.service';
import { WebhooksConfig } from '../../webhooks/webhooks.config';
import { SchedulerConfig } from '../scheduler.config';

const DAY_MS = 86_400_000;

interface CutoffContext {
  config: SchedulerConfig;
  resolve<T>(token: Type<T>): T | undefined;
  now: number;
}

/** Another module's data this scheduler purges through that module's service. */
export interface CleanupTarget {
  name: string;
  things: string;
  service: Type<unknown>;
  /** `(before: Date) => Promise<number>` on the service. */
  method: string;
  /** Delete what is older than this; null = the job is switched off. */
  cutoff(ctx: CutoffContext): Date | null;
  disabledReason?: string;
}

const daysAgo = (now: number, days: number) => new Date(now - days * DAY_MS);

export const CLEANUP_TARGETS: CleanupTarget[] = [
  {
    name: 'api_keys',
    things: 'expired or revoked API keys',
    service: ApiKeysService,
    method: 'purgeDeadBefore',
    cutoff: ({ config, now }) => daysAgo(now, config.deadCredentialsDays),
  },
  {
    name: 'browser_sessions',
    things: 'expired or revoked browser sessions',
    service: BrowserSessionsService,
    method: 'purgeDeadBefore',
    cutoff: ({ config, now }) => daysAgo(now, config.deadCredentialsDays),
  },
  {
    name: 'metrics_history',
    things: 'metrics history points',
    service: MetricsHistoryService,
    method: 'purgeOlderThan',
    cutoff: ({ resolve, now }) => daysAgo(now, resolve(MetricsConfig)?.historyRetentionDays ?? 30),
  },
  {
    name: 'webhook_deliveries',
    things: 'webhook deliveries',
    service: DeliveryRetention,
    method: 'purgeOlderThan',
    cutoff: ({ resolve, now }) => daysAgo(now, resolve(WebhooksConfig)?.retentionDays ?? 30),
  },
  {
    name: 'audit_log',
    things: 'audit log entries',
    service: AuditService,
    method: 'purgeBefore',
    cutoff: ({ config, now }) => (config.auditRetentionDays > 0 ? daysAgo(now, config.auditRetentionDays) : null),
    disabledReason: 'AUDIT_RETENTION_DAYS=0 (audit entries are kept forever)',
  },
];
