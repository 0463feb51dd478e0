import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { AgentView } from '../../agents/agent.types';
import { AgentsService } from '../../agents/agents.service';
import { RuntimeConfig } from '../../runtime/runtime.config';
import { SESSION_DEFAULTS } from '../protocol/frames';
import { MethodDefinition, MethodProvider } from './method-definition';

export interface GatewayModel {
  id: string;
  name: string;
  provider: string;
}

/** agents.list and models.list, read from AgentsService (the same definitions REST serves). */
@Injectable()
export class AgentsMethods implements MethodProvider {
  constructor(
    private readonly agents: AgentsService,
    private readonly config: AppConfig,
  ) {}

  methods(): MethodDefinition[] {
    return [
      {
        name: 'agents.list',
        aliases: ['agents_list'],
        scope: 'operator.read',
        handler: async () => ({
          defaultId: SESSION_DEFAULTS.defaultAgentId,
          mainKey: SESSION_DEFAULTS.mainKey,
          scope: 'per-sender',
          agents: (await this.agents.list()).map((a) => ({
            id: a.id,
            name: a.name,
            model: { primary: this.modelId(a) },
            provider: a.provider.type,
            builtIn: a.builtIn,
          })),
        }),
      },
      {
        name: 'models.list',
        aliases: ['models_list'],
        scope: 'operator.read',
        handler: async () => ({ models: this.models(await this.agents.list()) }),
      },
    ];
  }

  private defaultOpenAiModel(): string {
    try {
      return this.config.get(RuntimeConfig).openaiModel;
    } catch {
      return 'gpt-4o-mini';
    }
  }

  private modelId(agent: AgentView): string {
    if (agent.provider.type === 'echo') return 'echo';
    return agent.provider.model ?? this.defaultOpenAiModel();
  }

  /** The models the organization's agents use (the built-in echo model always), one entry per id. */
  private models(agents: AgentView[]): GatewayModel[] {
    const byId = new Map<string, GatewayModel>([['echo', { id: 'echo', name: 'Echo (built-in test model)', provider: 'echo' }]]);
    for (const agent of agents) {
      const id = this.modelId(agent);
      if (!byId.has(id)) byId.set(id, { id, name: id, provider: agent.provider.type });
    }
    return [...byId.values()];
  }
}
