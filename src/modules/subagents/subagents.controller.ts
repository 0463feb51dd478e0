import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { page, PageQuery } from '../../common/http/pagination';
import { ApprovalsService } from './approvals/approvals.service';
import {
  ListSubagentRunsQuery,
  ResolveApprovalDto,
  SubagentLogQuery,
  SubagentRunResponse,
} from './dto/subagents.dto';
import { subagentRunView, SubagentsService } from './subagents.service';

const ID_PARAM = {
  name: 'id',
  description: 'Subagent run id, or the id of its run (run_id from the spawn answer)',
};

@ApiTags('subagents')
@Controller('api/subagents')
export class SubagentsController {
  constructor(
    private readonly subagents: SubagentsService,
    private readonly approvals: ApprovalsService,
  ) {}

  @Get('runs')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'ACP subagent runs, newest first (filters: session_key, parent_session_key, status, target)',
  })
  async list(@Query() q: ListSubagentRunsQuery) {
    const { items, total } = await this.subagents.listRuns({
      sessionKey: q.session_key,
      parentSessionKey: q.parent_session_key,
      status: q.status,
      target: q.target,
      limit: q.limit ?? 50,
      offset: q.offset ?? 0,
    });
    return page(items, total, q);
  }

  @Get('runs/:id')
  @RequireScopes('operator.read')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'One subagent run: process, exit code, stderr tail, result' })
  @ApiOkResponse({ type: SubagentRunResponse })
  async get(@Param('id') id: string) {
    return subagentRunView(await this.subagents.getRun(id));
  }

  @Get('runs/:id/log')
  @RequireScopes('operator.read')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'The subagents_log of a run in order: permission, plan, tool-call, file, terminal and lifecycle events',
  })
  async log(@Param('id') id: string, @Query() q: SubagentLogQuery) {
    const { subagent, items, total } = await this.subagents.log(id, {
      kind: q.kind,
      limit: q.limit ?? 50,
      offset: q.offset ?? 0,
    });
    return { ...page(items, total, q), subagent };
  }

  @Get('approvals')
  @RequireScopes('operator.approvals')
  @ApiOperation({
    summary:
      'Permission requests of ACP agents waiting for an operator (permission_mode "ask"), oldest first',
  })
  async pending(@Query() q: PageQuery) {
    const { items, total } = await this.approvals.listPending(q.limit ?? 50, q.offset ?? 0);
    return page(items, total, q);
  }

  @Post('approvals/:id/resolve')
  @HttpCode(200)
  @RequireScopes('operator.approvals')
  @ApiParam({ name: 'id', description: 'Approval id (exec.approval.requested payload id)' })
  @ApiOperation({
    summary:
      'Approve or deny a pending permission request (same as the bridge method exec.approval.resolve); audited',
  })
  async resolve(@Param('id') id: string, @Body() dto: ResolveApprovalDto) {
    return this.approvals.resolve(id, dto.decision);
  }
}
