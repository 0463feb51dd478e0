import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { RequestContext } from '../../../common/context/request-context';
import { AgentOnly } from '../../../common/guards/scopes.decorator';
import { HeartbeatDto, HeartbeatView } from '../dto/agent-token.dto';
import { AgentTokensService } from '../services/agent-tokens.service';

/** Routes for agent processes only (X-Agent-Token); every other credential gets 403 AGENT_ROUTE_ONLY. */
@ApiTags('agent')
@ApiSecurity('agent')
@ApiTooManyRequestsResponse({
  description: 'agent authentication is limited per client IP (RATE_LIMIT_AGENT_AUTH, 20/60 s)',
})
@Controller('api/agent')
export class AgentController {
  constructor(private readonly tokens: AgentTokensService) {}

  @Post('heartbeat')
  @HttpCode(200)
  @AgentOnly()
  @ApiOperation({
    summary: 'Mark the calling agent online (offline after AGENT_OFFLINE_AFTER_S without one)',
  })
  @ApiOkResponse({ type: HeartbeatView })
  heartbeat(@Body() dto: HeartbeatDto): Promise<HeartbeatView> {
    return this.tokens.heartbeat(dto);
  }

  @Get('me')
  @AgentOnly()
  @ApiOperation({ summary: 'The agent this token belongs to' })
  me() {
    const p = RequestContext.principal()!;
    return {
      agent_id: p.id,
      organization_id: p.organizationId,
      token_id: p.credentialId,
      expires_at: p.expiresAt?.toISOString() ?? null,
    };
  }
}
