import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthContributors } from '../health/health-contributors';
import { acpAvailable } from './config/acp-settings';
import { SubagentProcesses } from './subagent-processes';
import { SubagentsConfig } from './subagents.config';

/** Adds `subagents: {acp_enabled, running_here, max_concurrent, permission_mode}` to GET /api/health. */
@Injectable()
export class SubagentsHealth implements OnModuleInit {
  constructor(
    private readonly contributors: HealthContributors,
    private readonly processes: SubagentProcesses,
    private readonly config: SubagentsConfig,
  ) {}

  onModuleInit(): void {
    this.contributors.register('subagents', () => {
      const s = this.config.acp;
      return {
        acp_enabled: acpAvailable(s),
        running_here: this.processes.agentPids().length,
        max_concurrent: s.maxConcurrent,
        permission_mode: s.permissionMode,
      };
    });
  }
}
