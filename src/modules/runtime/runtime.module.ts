import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { Message } from '../sessions/entities/message.entity';
import { Session } from '../sessions/entities/session.entity';
import { MessagesRepository } from '../sessions/messages.repository';
import { SessionStore } from '../sessions/session-store';
import { SessionsController } from '../sessions/sessions.controller';
import { SessionsRepository } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { Run } from './entities/run.entity';
import { ProviderRegistry } from './providers/provider-registry';
import { RunEventsService } from './run-events.service';
import { RunExecutor } from './run-executor';
import { RunHooks } from './run-hooks';
import { RunMetrics } from './run-metrics';
import { RunRecoveryService } from './run-recovery.service';
import { RunsController } from './runs.controller';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';
import { RuntimeHealth } from './runtime.health';
import { ToolRegistry } from './tools/tool-registry';

/**
 * Sessions and the agent runtime. Sessions (src/modules/sessions) and runs
 * (here) live in one Nest module because each needs the other: spawn starts a
 * run, a run ensures its session. Global, so the gateway, webhooks, scheduler,
 * MCP and ACP modules inject SessionsService, RunsService, RunEventsService
 * and ToolRegistry without importing this module.
 */
@Global()
@Module({
  imports: [AgentsModule, TypeOrmModule.forFeature([Session, Message, Run])],
  controllers: [SessionsController, RunsController],
  providers: [
    SessionsRepository,
    MessagesRepository,
    SessionStore,
    SessionsService,
    RunsRepository,
    RunMetrics,
    ProviderRegistry,
    ToolRegistry,
    RunExecutor,
    RunsService,
    RunEventsService,
    RunRecoveryService,
    RuntimeHealth,
    RunHooks,
  ],
  exports: [SessionsService, RunsService, RunEventsService, ToolRegistry, ProviderRegistry, RunHooks],
})
export class RuntimeModule {}
