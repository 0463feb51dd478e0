import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { ToolContext } from '../../runtime/tools/tool.types';
import { ToolRegistry } from '../../runtime/tools/tool-registry';
import { DLQ_STATUSES, DlqStatus } from '../entities/task-dlq-entry.entity';
import { dlqEntryView } from '../dto/views';
import { DlqService, MAX_REPLAY_LIMIT } from './dlq.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Built-in agent tools over the DLQ of the calling session (chat_id = the
 * session key of the run): `list_scheduled_task_dlq` and
 * `replay_scheduled_task_dlq`. An agent sees them when its `tools` allow them.
 */
@Injectable()
export class SchedulerTools implements OnModuleInit, OnModuleDestroy {
  private readonly unregister: (() => void)[] = [];

  constructor(
    private readonly registry: ToolRegistry,
    private readonly dlq: DlqService,
  ) {}

  onModuleInit(): void {
    this.unregister.push(
      this.registry.register({
        name: 'list_scheduled_task_dlq',
        description: 'List failed scheduled-task runs (dead-letter queue) of this chat, newest first.',
        inputSchema: {
          type: 'object',
          properties: {
            task_id: { type: 'string', description: 'Only entries of this scheduled task' },
            status: { type: 'string', enum: [...DLQ_STATUSES], description: 'pending (default), replayed or discarded' },
            limit: { type: 'integer', minimum: 1, maximum: 200, description: 'At most this many entries (default 20)' },
          },
          additionalProperties: false,
        },
        execute: (args, ctx) => this.asCaller(ctx, () => this.list(args, ctx)),
      }),
      this.registry.register({
        name: 'replay_scheduled_task_dlq',
        description:
          'Replay pending failed scheduled-task runs of this chat: each task is re-queued with an immediate next run and its DLQ entry marked replayed (note "queued" or "skipped: <reason>").',
        inputSchema: {
          type: 'object',
          properties: {
            task_id: { type: 'string', description: 'Only entries of this scheduled task' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_REPLAY_LIMIT, description: 'Replay at most this many entries (default 50)' },
          },
          additionalProperties: false,
        },
        execute: (args, ctx) => this.asCaller(ctx, () => this.replay(args, ctx)),
      }),
    );
  }

  onModuleDestroy(): void {
    this.unregister.forEach((u) => u());
  }

  private async list(args: Record<string, unknown>, ctx: ToolContext) {
    const problem = checkArgs(args, ['task_id', 'status', 'limit'], 200);
    if (problem) return { content: problem, isError: true };
    const status = (args.status as DlqStatus | undefined) ?? 'pending';
    if (!DLQ_STATUSES.includes(status)) return { content: `status must be one of ${DLQ_STATUSES.join(', ')}`, isError: true };
    const [items, total] = await this.dlq.list({
      chatId: ctx.sessionKey,
      taskId: args.task_id as string | undefined,
      status,
      limit: (args.limit as number | undefined) ?? 20,
      offset: 0,
    });
    return { content: JSON.stringify({ chat_id: ctx.sessionKey, total, items: items.map(dlqEntryView) }) };
  }

  private async replay(args: Record<string, unknown>, ctx: ToolContext) {
    const problem = checkArgs(args, ['task_id', 'limit'], MAX_REPLAY_LIMIT);
    if (problem) return { content: problem, isError: true };
    const result = await this.dlq.replay(
      { chatId: ctx.sessionKey, taskId: args.task_id as string | undefined, limit: args.limit as number | undefined },
      'tool',
    );
    return { content: JSON.stringify(result) };
  }

  /** Tools run inside the run of an agent: act in its organization, audited as that session. */
  private asCaller<T>(ctx: ToolContext, fn: () => Promise<T>): Promise<T> {
    const principal = { ...systemPrincipal(ctx.organizationId), kind: 'agent' as const, id: ctx.sessionKey, actor: `agent:${ctx.sessionKey}` };
    const current = RequestContext.current();
    return RequestContext.run({ requestId: current?.requestId ?? `tool-${ctx.runId}`, transport: current?.transport ?? 'system', principal }, fn);
  }
}

function checkArgs(args: Record<string, unknown>, allowed: string[], maxLimit: number): string | null {
  const unknown = Object.keys(args).filter((k) => !allowed.includes(k));
  if (unknown.length) return `unknown argument(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`;
  if (args.task_id !== undefined && (typeof args.task_id !== 'string' || !UUID.test(args.task_id))) return 'task_id must be a task id (UUID)';
  if (args.limit !== undefined && (!Number.isInteger(args.limit) || (args.limit as number) < 1 || (args.limit as number) > maxLimit)) {
    return `limit must be an integer from 1 to ${maxLimit}`;
  }
  return null;
}
