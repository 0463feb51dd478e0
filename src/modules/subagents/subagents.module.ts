import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AcpSubagentProvider } from './acp-subagent.provider';
import { ApprovalsService } from './approvals/approvals.service';
import { SubagentApproval } from './entities/subagent-approval.entity';
import { SubagentLogEntry } from './entities/subagent-log-entry.entity';
import { SubagentRun } from './entities/subagent-run.entity';
import { ApprovalsRepository } from './repositories/approvals.repository';
import { SubagentRunsRepository } from './repositories/subagent-runs.repository';
import { SubagentsLogRepository } from './repositories/subagents-log.repository';
import { SubagentProcesses } from './subagent-processes';
import { SubagentsController } from './subagents.controller';
import { SessionsSpawnTool } from './sessions-spawn.tool';
import { SubagentsHealth } from './subagents.health';
import { SubagentsService } from './subagents.service';

/**
 * ACP subagents: external coding agents spawned as sessions (runtime "acp"),
 * run through the normal run lifecycle by provider `acp`, with operator
 * approvals and an event log. Global so the gateway's `exec.approval.resolve`
 * and the CLI reach ApprovalsService and SubagentsService.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SubagentRun, SubagentLogEntry, SubagentApproval])],
  controllers: [SubagentsController],
  providers: [
    SubagentRunsRepository,
    SubagentsLogRepository,
    ApprovalsRepository,
    SubagentProcesses,
    ApprovalsService,
    AcpSubagentProvider,
    SubagentsService,
    SubagentsHealth,
    SessionsSpawnTool,
  ],
  exports: [SubagentsService, ApprovalsService, SubagentProcesses],
})
export class SubagentsModule {}
