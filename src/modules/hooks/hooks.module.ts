import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HookState } from './entities/hook-state.entity';
import { HooksController } from './hooks.controller';
import { HooksMetrics } from './hooks.metrics';
import { HooksService } from './hooks.service';
import { HooksStateRepository } from './hooks-state.repository';

/** Lifecycle hooks (before_run, before_tool, after_tool, after_run) plugged into the runtime's RunHooks. */
@Module({
  imports: [TypeOrmModule.forFeature([HookState])],
  controllers: [HooksController],
  providers: [HooksStateRepository, HooksMetrics, HooksService],
  exports: [HooksService],
})
export class HooksModule {}
