import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { AgentsService } from './agents.service';
import { AgentResponse, CreateAgentDto, toAgentResponse, UpdateAgentDto } from './dto/agent.dto';

@ApiTags('agents')
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'List agents (the built-in echo agent `main` always exists); API keys are never shown',
  })
  async list() {
    const items = (await this.agents.list()).map(toAgentResponse);
    return { items, total: items.length, limit: items.length, offset: 0 };
  }

  @Get(':id')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'One agent' })
  @ApiOkResponse({ type: AgentResponse })
  async get(@Param('id') id: string): Promise<AgentResponse> {
    return toAgentResponse(await this.agents.get(id));
  }

  @Post()
  @RequireScopes('operator.write')
  @ApiOperation({
    summary: 'Create an agent: provider echo (offline) or openai (any OpenAI-compatible endpoint)',
  })
  @ApiCreatedResponse({ type: AgentResponse })
  async create(@Body() dto: CreateAgentDto): Promise<AgentResponse> {
    return toAgentResponse(
      await this.agents.create({
        id: dto.id,
        name: dto.name,
        systemPrompt: dto.system_prompt,
        provider: {
          type: dto.provider.type,
          baseUrl: dto.provider.base_url,
          model: dto.provider.model,
          apiKey: dto.provider.api_key,
        },
        tools: dto.tools,
        runTimeoutSecs: dto.run_timeout_secs,
      }),
    );
  }

  @Patch(':id')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Change an agent; null clears system_prompt, tools, run_timeout_secs' })
  @ApiOkResponse({ type: AgentResponse })
  async update(@Param('id') id: string, @Body() dto: UpdateAgentDto): Promise<AgentResponse> {
    return toAgentResponse(
      await this.agents.update(id, {
        ...(dto.name !== undefined ? { name: dto.name } : {}),
        ...(dto.system_prompt !== undefined ? { systemPrompt: dto.system_prompt } : {}),
        ...(dto.tools !== undefined ? { tools: dto.tools } : {}),
        ...(dto.run_timeout_secs !== undefined ? { runTimeoutSecs: dto.run_timeout_secs } : {}),
        ...(dto.provider !== undefined
          ? {
              provider: {
                type: dto.provider.type,
                baseUrl: dto.provider.base_url,
                model: dto.provider.model,
                apiKey: dto.provider.api_key,
              },
            }
          : {}),
      }),
    );
  }

  @Delete(':id')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Delete an agent; its sessions stay (sending to them answers 409 AGENT_DELETED)' })
  delete(@Param('id') id: string): Promise<{ deleted: boolean }> {
    return this.agents.delete(id);
  }
}
