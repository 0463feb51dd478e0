import { Injectable } from '@nestjs/common';
import { RunsService } from '../../runtime/runs.service';
import { checkLevel } from '../../sessions/session-levels';
import { SessionsService } from '../../sessions/sessions.service';
import { Params } from '../protocol/params';
import { MethodContext, MethodDefinition, MethodProvider } from './method-definition';

const MAX_MESSAGE_CHARS = 1024 * 1024;
const MIN_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export interface ChatRunInput {
  sessionKey: string;
  message: string;
  idempotencyKey?: string;
  thinking?: string;
  timeoutMs?: number;
}

/**
 * Starts a run for the bridge through RunsService (the same path as REST and
 * webhooks). The socket receives the run's `chat` events after this response.
 */
export async function startChatRun(runs: RunsService, ctx: MethodContext, input: ChatRunInput): Promise<Record<string, unknown>> {
  const result = await ctx.startRuns(
    () => runs.start({ ...input, source: 'bridge', sourceRef: ctx.connection.connId }),
    (r) => [r.runId],
  );
  return { runId: result.runId, status: 'started', queued: result.status === 'queued', deduplicated: result.deduplicated };
}

export function chatMessage(p: Params, name = 'message'): string {
  return p.requiredString(name, { max: MAX_MESSAGE_CHARS });
}

/** chat.send, chat.history, chat.abort. */
@Injectable()
export class ChatMethods implements MethodProvider {
  constructor(
    private readonly runs: RunsService,
    private readonly sessions: SessionsService,
  ) {}

  methods(): MethodDefinition[] {
    return [
      {
        name: 'chat.send',
        aliases: ['chat_send'],
        scope: 'operator.write',
        mutating: true,
        handler: (p, ctx) => {
          const input: ChatRunInput = {
            sessionKey: p.sessionKey()!,
            message: chatMessage(p),
            idempotencyKey: p.requiredString('idempotencyKey', { max: 200 }),
          };
          const thinking = p.optionalString('thinking', { max: 32 });
          if (thinking !== undefined) {
            checkLevel('thinkingLevel', thinking, 'thinking');
            input.thinking = thinking;
          }
          const timeoutMs = p.optionalInt('timeoutMs', MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
          if (timeoutMs !== undefined) input.timeoutMs = timeoutMs;
          return startChatRun(this.runs, ctx, input);
        },
      },
      {
        name: 'chat.history',
        aliases: ['chat_history'],
        scope: 'operator.read',
        handler: async (p) => {
          const sessionKey = p.sessionKey()!;
          const limit = p.optionalInt('limit', 1, 1000);
          const rawCursor = p.raw('cursor');
          let cursor: string | undefined;
          if (rawCursor !== undefined && rawCursor !== null) {
            if (typeof rawCursor === 'number' && Number.isFinite(rawCursor)) cursor = String(rawCursor);
            else cursor = p.optionalString('cursor', { max: 256 });
          }
          const page = await this.sessions.history(sessionKey, { limit, cursor });
          const out: Record<string, unknown> = {
            sessionKey,
            messages: page.messages,
            hasMore: page.hasMore,
            totalMessages: page.total,
          };
          if (page.nextCursor !== undefined) out.nextCursor = page.nextCursor;
          return out;
        },
      },
      {
        name: 'chat.abort',
        aliases: ['chat_abort'],
        scope: 'operator.write',
        mutating: true,
        handler: async (p) => {
          const sessionKey = p.sessionKey()!;
          const runId = p.optionalString('runId', { max: 128 });
          const result = await this.runs.abort(sessionKey, runId);
          return { ok: true, aborted: result.aborted, runIds: result.runIds };
        },
      },
    ];
  }
}
