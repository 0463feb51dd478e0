import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { randomHex } from '../../../common/crypto';
import { LifecycleService } from '../../../common/lifecycle/lifecycle.service';
import { MetricsConfig } from '../metrics.config';
import { PlatformOrganization } from '../platform-organization';
import { AlertTransitionsService } from '../slo/alert-transitions.service';
import { MetricsSummaryService } from '../slo/metrics-summary.service';
import { MetricsHistoryService } from './metrics-history.service';

const PURGE_EVERY_MS = 60 * 60 * 1000;

export interface SamplerStats {
  interval_s: number;
  retention_days: number;
  last_sample_at: string | null;
  last_sample_error: string | null;
  samples: number;
  last_purge_at: string | null;
  last_purge_deleted: number;
}

/**
 * Every METRICS_HISTORY_INTERVAL_S: persist this replica's point, then evaluate
 * SLOs/thresholds and record transitions; hourly, purge points older than
 * METRICS_HISTORY_RETENTION_DAYS (until the scheduler's cleanup jobs take over).
 * On drain it persists a last point so a restart loses no counts.
 */
@Injectable()
export class MetricsSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MetricsSampler');
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;
  private lastPurgeMs = 0;
  private errorLoggedAt = 0;
  readonly stats: SamplerStats;

  constructor(
    private readonly history: MetricsHistoryService,
    private readonly summary: MetricsSummaryService,
    private readonly transitions: AlertTransitionsService,
    private readonly platform: PlatformOrganization,
    private readonly config: MetricsConfig,
    private readonly lifecycle: LifecycleService,
  ) {
    this.stats = {
      interval_s: config.historyIntervalS,
      retention_days: config.historyRetentionDays,
      last_sample_at: null,
      last_sample_error: null,
      samples: 0,
      last_purge_at: null,
      last_purge_deleted: 0,
    };
  }

  onApplicationBootstrap(): void {
    this.lifecycle.onDrain('metrics-history', async () => {
      this.stop();
      await this.inFlight;
      await this.runAsPlatform(() => this.history.persistPoint()).catch(() => undefined);
    });
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.inFlight;
  }

  /** Runs one sampling round now (tests, and the timer). Never throws: failures are kept in `stats`. */
  async tick(now = new Date()): Promise<void> {
    try {
      await this.runAsPlatform(async (orgId) => {
        await this.history.persistPoint(now);
        this.stats.samples++;
        this.stats.last_sample_at = now.toISOString();
        this.stats.last_sample_error = null;
        await this.transitions.record(await this.summary.summary(now), orgId);
        if (now.getTime() - this.lastPurgeMs >= PURGE_EVERY_MS) {
          this.lastPurgeMs = now.getTime();
          const cutoff = new Date(now.getTime() - this.config.historyRetentionDays * 86_400_000);
          this.stats.last_purge_deleted = await this.history.purgeOlderThan(cutoff);
          this.stats.last_purge_at = now.toISOString();
        }
      });
    } catch (err) {
      this.stats.last_sample_error = (err as Error).message;
      if (Date.now() - this.errorLoggedAt > 60_000) {
        this.errorLoggedAt = Date.now();
        this.logger.warn(`metrics history sample failed: ${(err as Error).message}`);
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
        this.schedule();
      });
    }, this.config.historyIntervalS * 1000);
    this.timer.unref();
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async runAsPlatform<T>(fn: (orgId: string) => Promise<T>): Promise<T> {
    const orgId = await this.platform.getId();
    return RequestContext.run(
      {
        requestId: `metrics-sampler-${randomHex(4)}`,
        transport: 'system',
        principal: systemPrincipal(orgId),
      },
      () => fn(orgId),
    );
  }
}
