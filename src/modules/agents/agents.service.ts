import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../common/context/request-context';
import { AuditService } from '../auth/services/audit.service';
import { AgentSecrets } from './agent-secrets';
import { isValidAgentId } from './agent-id';
import { AgentInput, AgentPatch, AgentView, MAIN_AGENT_ID } from './agent.types';
import { AgentErrors } from './agents.errors';
import { AgentsRepository } from './agents.repository';
import { Agent, StoredProviderConfig } from './entities/agent.entity';

export function toAgentView(agent: Agent): AgentView {
  return {
    id: agent.id,
    name: agent.name,
    systemPrompt: agent.systemPrompt,
    provider: {
      type: agent.provider.type,
      baseUrl: agent.provider.baseUrl ?? null,
      model: agent.provider.model ?? null,
      hasApiKey: !!agent.provider.apiKey,
    },
    tools: agent.tools ?? [],
    runTimeoutSecs: agent.runTimeoutSecs,
    builtIn: agent.id === MAIN_AGENT_ID,
    createdAt: agent.createdAt.toISOString(),
    updatedAt: agent.updatedAt.toISOString(),
  };
}

/** Agent definitions of the current organization. The built-in echo agent `main` always exists. */
@Injectable()
export class AgentsService {
  /** Organizations whose `main` agent this process has already ensured. */
  private readonly ensured = new Set<string>();

  constructor(
    private readonly repo: AgentsRepository,
    private readonly secrets: AgentSecrets,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<AgentView[]> {
    await this.ensureMain();
    return (await this.repo.list()).map(toAgentView);
  }

  /** 404 AGENT_NOT_FOUND. */
  async get(id: string): Promise<AgentView> {
    return toAgentView(await this.getEntity(id));
  }

  /** The stored agent (runtime use); 404 AGENT_NOT_FOUND. */
  async getEntity(id: string): Promise<Agent> {
    const agent = await this.findEntity(id);
    if (!agent) throw AgentErrors.notFound(id);
    return agent;
  }

  /** The stored agent or null (ensures `main` first). */
  async findEntity(id: string): Promise<Agent | null> {
    if (id === MAIN_AGENT_ID) await this.ensureMain();
    return this.repo.findById(id);
  }

  async create(dto: AgentInput): Promise<AgentView> {
    if (!isValidAgentId(dto.id)) throw AgentErrors.invalidId(dto.id);
    await this.ensureMain();
    const provider = await this.storedProvider(dto.provider);
    const inserted = await this.repo.insert({
      id: dto.id,
      name: dto.name,
      systemPrompt: dto.systemPrompt ?? null,
      provider,
      tools: dto.tools ?? [],
      runTimeoutSecs: dto.runTimeoutSecs ?? null,
    });
    if (!inserted) throw AgentErrors.exists(dto.id);
    await this.audit.record({
      action: 'agent.create',
      target: `agent:${dto.id}`,
      details: { provider: provider.type },
    });
    return this.get(dto.id);
  }

  async update(id: string, dto: AgentPatch): Promise<AgentView> {
    const agent = await this.getEntity(id);
    if (dto.name !== undefined) agent.name = dto.name;
    if (dto.systemPrompt !== undefined) agent.systemPrompt = dto.systemPrompt;
    if (dto.tools !== undefined) agent.tools = dto.tools ?? [];
    if (dto.runTimeoutSecs !== undefined) agent.runTimeoutSecs = dto.runTimeoutSecs;
    if (dto.provider !== undefined) {
      const next = { ...dto.provider };
      // A provider update without api_key keeps the stored key when the type stays the same.
      const keepKey =
        next.apiKey === undefined && next.type === agent.provider.type ? agent.provider.apiKey : undefined;
      agent.provider = await this.storedProvider(next);
      if (keepKey) agent.provider.apiKey = keepKey;
    }
    await this.repo.save(agent);
    await this.audit.record({
      action: 'agent.update',
      target: `agent:${id}`,
      details: { fields: Object.keys(dto) },
    });
    return this.get(id);
  }

  /** Sessions of a deleted agent stay (sending to them answers 409 AGENT_DELETED). */
  async delete(id: string): Promise<{ deleted: boolean }> {
    if (id === MAIN_AGENT_ID) throw AgentErrors.builtIn(id);
    const deleted = await this.repo.delete(id);
    if (!deleted) throw AgentErrors.notFound(id);
    await this.audit.record({ action: 'agent.delete', target: `agent:${id}` });
    return { deleted };
  }

  /** The API key a provider call should use: the agent's (resolved through the vault) or undefined. */
  async resolveApiKey(agent: Agent): Promise<string | undefined> {
    return agent.provider.apiKey ? this.secrets.resolve(agent.provider.apiKey) : undefined;
  }

  private async storedProvider(input: AgentInput['provider']): Promise<StoredProviderConfig> {
    if (input.type === 'echo' && (input.apiKey || input.baseUrl)) throw AgentErrors.apiKeyOnlyForOpenai();
    const stored: StoredProviderConfig = { type: input.type };
    if (input.baseUrl) stored.baseUrl = input.baseUrl.replace(/\/+$/, '');
    if (input.model) stored.model = input.model;
    if (input.apiKey) stored.apiKey = await this.secrets.toStored(input.apiKey);
    return stored;
  }

  private async ensureMain(): Promise<void> {
    const orgId = RequestContext.organizationId();
    if (this.ensured.has(orgId)) return;
    await this.repo.ensureMain();
    this.ensured.add(orgId);
  }
}
