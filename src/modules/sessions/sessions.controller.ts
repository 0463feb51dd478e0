import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { page } from '../../common/http/pagination';
import { toRunResponse } from '../runtime/dto/run.dto';
import { RunsService } from '../runtime/runs.service';
import {
  AbortDto,
  DeleteSessionDto,
  ForkSessionDto,
  HistoryQuery,
  ListSessionsQuery,
  PatchSessionDto,
  SendMessageDto,
  SessionResponse,
  SpawnSessionDto,
  toSessionResponse,
  toTreeResponse,
} from './dto/session.dto';
import { SessionsService } from './sessions.service';

const KEY_PARAM = {
  name: 'key',
  description: 'agent:<agentId>:<name> (raw or URL-encoded); a bare name means agent:main:<name>',
  example: 'agent:main:main',
};

@ApiTags('sessions')
@Controller('api')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly runs: RunsService,
  ) {}

  @Get('sessions')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'List sessions, newest activity first (filters: agent_id, search, label, active_minutes)',
  })
  async list(@Query() q: ListSessionsQuery) {
    const { items, total } = await this.sessions.list({
      limit: q.limit,
      offset: q.offset,
      agentId: q.agent_id,
      search: q.search,
      label: q.label,
      activeMinutes: q.active_minutes,
    });
    return page(items.map(toSessionResponse), total, q);
  }

  @Get('sessions/tree')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary:
      'Sessions as a fork tree (parent_key, fork_point); children of deleted parents are roots with parent_missing',
  })
  async tree() {
    const roots = await this.sessions.tree();
    return { items: roots.map(toTreeResponse), total: roots.length };
  }

  @Post('sessions')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Spawn a session; with task a run starts at once (run_id in the answer)' })
  @ApiCreatedResponse({ type: SessionResponse })
  async spawn(@Body() dto: SpawnSessionDto) {
    const { session, runId } = await this.sessions.spawn({
      agentId: dto.agent_id,
      name: dto.name,
      label: dto.label,
      task: dto.task,
      model: dto.model,
      runTimeoutSeconds: dto.run_timeout_secs,
      runtime: dto.runtime,
      runtimeTarget: dto.runtime_target,
      parentKey: dto.parent_session_key,
    });
    return { ...toSessionResponse(session), ...(runId ? { run_id: runId } : {}) };
  }

  @Post('sessions/fork')
  @RequireScopes('operator.approvals')
  @ApiOperation({ summary: 'Fork a session: copies the transcript up to fork_point and the settings' })
  @ApiCreatedResponse({ type: SessionResponse })
  async fork(@Body() dto: ForkSessionDto) {
    return toSessionResponse(
      await this.sessions.fork({
        sourceKey: dto.source_session_key,
        targetKey: dto.target_session_key,
        forkPoint: dto.fork_point,
      }),
    );
  }

  @Post('delete_session')
  @HttpCode(200)
  @RequireScopes('operator.approvals')
  @ApiOperation({
    summary: 'Delete a session by key in the body (MicroClaw Web API form); children are kept',
  })
  async deleteByBody(@Body() dto: DeleteSessionDto) {
    const session = await this.sessions.get(dto.session_key);
    const { deleted } = await this.sessions.delete(session.key);
    return { ok: true, key: session.key, deleted };
  }

  @Get('sessions/:key')
  @RequireScopes('operator.read')
  @ApiParam(KEY_PARAM)
  @ApiOperation({ summary: 'One session' })
  @ApiOkResponse({ type: SessionResponse })
  async get(@Param('key') key: string) {
    return toSessionResponse(await this.sessions.get(key));
  }

  @Get('sessions/:key/history')
  @RequireScopes('operator.read')
  @ApiParam(KEY_PARAM)
  @ApiOperation({ summary: 'Transcript as content blocks, newest page first; next_cursor pages back' })
  async history(@Param('key') key: string, @Query() q: HistoryQuery) {
    const session = await this.sessions.get(key);
    const h = await this.sessions.history(session.key, { limit: q.limit, cursor: q.cursor });
    return {
      session_key: session.key,
      messages: h.messages.map((m) => ({
        role: m.role,
        content: m.content,
        timestamp: m.timestamp,
        seq: m.seq,
        run_id: m.runId,
      })),
      has_more: h.hasMore,
      total: h.total,
      ...(h.nextCursor ? { next_cursor: h.nextCursor } : {}),
    };
  }

  @Get('sessions/:key/runs')
  @RequireScopes('operator.read')
  @ApiParam(KEY_PARAM)
  @ApiOperation({ summary: 'The running and queued runs of a session, in execution order' })
  async activeRuns(@Param('key') key: string) {
    const items = (await this.runs.active(key)).map(toRunResponse);
    return { items, total: items.length };
  }

  @Post('sessions/:key/messages')
  @HttpCode(202)
  @RequireScopes('operator.write')
  @ApiParam(KEY_PARAM)
  @ApiOperation({
    summary:
      'Send a message: starts a run (or queues it behind the active one); chat events stream on the bridge',
  })
  @ApiAcceptedResponse({ description: '{run_id, status, deduplicated}' })
  async send(@Param('key') key: string, @Body() dto: SendMessageDto) {
    const result = await this.runs.start({
      sessionKey: key,
      message: dto.message,
      idempotencyKey: dto.idempotency_key,
      timeoutMs: dto.timeout_secs !== undefined ? dto.timeout_secs * 1000 : undefined,
      thinking: dto.thinking,
      source: 'rest',
    });
    return { run_id: result.runId, status: result.status, deduplicated: result.deduplicated };
  }

  @Patch('sessions/:key')
  @RequireScopes('operator.write')
  @ApiParam(KEY_PARAM)
  @ApiOperation({
    summary:
      'Change label, thinking/verbose/reasoning levels or model; only given fields change, null clears',
  })
  @ApiOkResponse({ type: SessionResponse })
  async patch(@Param('key') key: string, @Body() dto: PatchSessionDto) {
    return toSessionResponse(
      await this.sessions.patch(key, {
        label: dto.label,
        thinkingLevel: dto.thinking_level as never,
        verboseLevel: dto.verbose_level as never,
        reasoningLevel: dto.reasoning_level as never,
        model: dto.model,
      }),
    );
  }

  @Post('sessions/:key/kill')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiParam(KEY_PARAM)
  @ApiOperation({ summary: 'Stop the active run now and drop the queued ones' })
  async kill(@Param('key') key: string) {
    const session = await this.sessions.get(key);
    const r = await this.sessions.kill(session.key);
    return { ok: true, key: session.key, terminated: r.terminated, active_aborted: r.activeAborted };
  }

  @Post('sessions/:key/abort')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiParam(KEY_PARAM)
  @ApiOperation({ summary: 'Abort the session’s runs, or one run (run_id)' })
  async abort(@Param('key') key: string, @Body() dto: AbortDto) {
    const r = await this.runs.abort(key, dto.run_id);
    return { ok: true, aborted: r.aborted, run_ids: r.runIds };
  }

  @Delete('sessions/:key')
  @RequireScopes('operator.approvals')
  @ApiParam(KEY_PARAM)
  @ApiOperation({ summary: 'Delete a session and its transcript; child sessions are kept (parent_missing)' })
  async delete(@Param('key') key: string) {
    const session = await this.sessions.get(key);
    const { deleted } = await this.sessions.delete(session.key);
    return { ok: true, key: session.key, deleted };
  }
}
