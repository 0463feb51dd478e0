import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DlqController } from './controllers/dlq.controller';
import { SchedulerStatusController } from './controllers/scheduler-status.controller';
import { TasksController } from './controllers/tasks.controller';
import { ScheduledTask } from './entities/scheduled-task.entity';
import { SchedulerJob } from './entities/scheduler-job.entity';
import { TaskDlqEntry } from './entities/task-dlq-entry.entity';
import { TaskRun } from './entities/task-run.entity';
import { DlqRepository } from './repositories/dlq.repository';
import { JobsRepository } from './repositories/jobs.repository';
import { TaskClaimsRepository } from './repositories/task-claims.repository';
import { TaskRunsRepository } from './repositories/task-runs.repository';
import { TasksRepository } from './repositories/tasks.repository';
import { CleanupJobs } from './services/cleanup-jobs.service';
import { DlqService } from './services/dlq.service';
import { RecoverabilityService } from './services/recoverability.service';
import { RunAnswers } from './services/run-answers';
import { SchedulerLoop } from './services/scheduler-loop.service';
import { SchedulerMetrics } from './services/scheduler-metrics';
import { SchedulerStatus } from './services/scheduler-status.service';
import { SchedulerTools } from './services/scheduler-tools';
import { TaskExecutor } from './services/task-executor.service';
import { TaskOutcomes } from './services/task-outcomes.service';
import { TasksService } from './services/tasks.service';

/**
 * Scheduled agent tasks (cron / interval / once) claimed with leases by any
 * replica, their run log, the dead-letter queue with replay (REST, agent tools,
 * CLI), scheduler_recoverability_7d, and the cluster-wide cleanup jobs.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ScheduledTask, TaskRun, TaskDlqEntry, SchedulerJob])],
  controllers: [TasksController, DlqController, SchedulerStatusController],
  providers: [
    TasksRepository,
    TaskClaimsRepository,
    TaskRunsRepository,
    DlqRepository,
    JobsRepository,
    SchedulerMetrics,
    TasksService,
    DlqService,
    TaskOutcomes,
    RunAnswers,
    TaskExecutor,
    CleanupJobs,
    SchedulerLoop,
    RecoverabilityService,
    SchedulerStatus,
    SchedulerTools,
  ],
  exports: [TasksService, DlqService, RecoverabilityService],
})
export class SchedulerModule {}
