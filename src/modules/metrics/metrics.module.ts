import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OperationalCollectors } from './collectors/operational-collectors';
import { MetricsAlertState } from './entities/metrics-alert-state.entity';
import { MetricsHistoryPoint } from './entities/metrics-history-point.entity';
import { MetricsHistoryRepository } from './history/metrics-history.repository';
import { MetricsHistoryService } from './history/metrics-history.service';
import { MetricsSampler } from './history/metrics-sampler';
import { ReplicaIdentity } from './history/replica-identity';
import { MetricsController } from './metrics.controller';
import { MetricsHealthContributor } from './metrics-health.contributor';
import { MetricsSnapshotService } from './metrics-snapshot.service';
import { OtlpExporterService } from './otlp/otlp-exporter.service';
import { PlatformOrganization } from './platform-organization';
import { PrometheusController } from './prometheus.controller';
import { AlertStatesRepository } from './slo/alert-states.repository';
import { AlertTransitionsService } from './slo/alert-transitions.service';
import { MetricsSummaryService } from './slo/metrics-summary.service';
import { ConsumerSources } from './sources/consumer-sources';
import { QueueDepthSources } from './sources/queue-depth-sources';
import { SloSources } from './sources/slo-sources';

/**
 * /metrics, /api/metrics (snapshot, history, summary), metrics_history and its
 * sampler, SLO/threshold alerts, OTLP export and the operational health fields.
 * Global: modules register SLO values, queue depths and consumers through
 * SloSources, QueueDepthSources and ConsumerSources.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([MetricsHistoryPoint, MetricsAlertState])],
  controllers: [MetricsController, PrometheusController],
  providers: [
    SloSources,
    QueueDepthSources,
    ConsumerSources,
    ReplicaIdentity,
    PlatformOrganization,
    MetricsHistoryRepository,
    MetricsHistoryService,
    AlertStatesRepository,
    AlertTransitionsService,
    MetricsSummaryService,
    MetricsSampler,
    MetricsSnapshotService,
    OtlpExporterService,
    OperationalCollectors,
    MetricsHealthContributor,
  ],
  exports: [SloSources, QueueDepthSources, ConsumerSources, MetricsHistoryService],
})
export class MetricsModule {}
