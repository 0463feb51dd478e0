import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentSecrets } from './agent-secrets';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { Agent } from './entities/agent.entity';

/** Agent definitions (REST /api/agents; AgentsService for the runtime and the bridge). */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Agent])],
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentSecrets, AgentsService],
  exports: [AgentsService],
})
export class AgentsModule {}
