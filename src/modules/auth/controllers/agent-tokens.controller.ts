import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page } from '../../../common/http/pagination';
import {
  AgentTokenQuery,
  AgentTokenView,
  CreateAgentTokenDto,
  CreatedAgentTokenView,
} from '../dto/agent-token.dto';
import { AgentTokensService } from '../services/agent-tokens.service';

@ApiTags('agent tokens')
@Controller('api/agent_tokens')
export class AgentTokensController {
  constructor(private readonly tokens: AgentTokensService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'Agent tokens of your organization with online/offline status (never the secret)',
  })
  async list(@Query() query: AgentTokenQuery) {
    const [items, total] = await this.tokens.list(
      { agentId: query.agent_id, includeRevoked: query.include_revoked === 'true' },
      query.limit ?? 50,
      query.offset ?? 0,
    );
    return page(items, total, query);
  }

  @Post()
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Create an agent token (X-Agent-Token); the secret is in the response once' })
  @ApiCreatedResponse({ type: CreatedAgentTokenView })
  create(@Body() dto: CreateAgentTokenDto): Promise<CreatedAgentTokenView> {
    return this.tokens.create(dto);
  }

  @Delete(':id')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Revoke an agent token; it stops working at once' })
  @ApiOkResponse({ type: AgentTokenView })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<AgentTokenView> {
    return this.tokens.revoke(id);
  }
}
