import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { ToolRegistry } from '../runtime/tools/tool-registry';
import { ToolResult } from '../runtime/tools/tool.types';
import { SessionsService } from '../sessions/sessions.service';

/**
 * The agent tool `sessions_spawn` (runbook: `sessions_spawn(runtime="acp")`): a
 * session's agent spawns a child session — with runtime "acp" an external ACP
 * agent — whose result is announced back to the calling session. Agents see
 * it only when their `tools` list allows it.
 */
@Injectable()
export class SessionsSpawnTool implements OnModuleInit {
  constructor(
    private readonly tools: ToolRegistry,
    private readonly sessions: SessionsService,
  ) {}

  onModuleInit(): void {
    this.tools.register({
      name: 'sessions_spawn',
      description:
        'Hand a task to a new child session. runtime "acp" runs an external coding agent (ACP); its result is announced back to this session when it finishes.',
      inputSchema: {
        type: 'object',
        properties: {
          task: { type: 'string', description: 'What the child session should do' },
          runtime: { type: 'string', enum: ['agent', 'acp'], description: 'agent (default) or acp' },
          runtime_target: { type: 'string', description: 'Named ACP target (subagents.acp.targets)' },
          label: { type: 'string' },
        },
        required: ['task'],
        additionalProperties: false,
      },
      execute: (args, ctx) => this.spawn(args, ctx.sessionKey),
    });
  }

  private async spawn(args: Record<string, unknown>, parentKey: string): Promise<ToolResult> {
    const str = (name: string) =>
      typeof args[name] === 'string' && args[name] !== '' ? (args[name] as string) : undefined;
    const task = str('task');
    if (!task) return { content: 'sessions_spawn needs a non-empty "task"', isError: true };
    for (const name of ['runtime', 'runtime_target', 'label'])
      if (args[name] !== undefined && typeof args[name] !== 'string')
        return { content: `sessions_spawn: "${name}" must be a string`, isError: true };
    try {
      const { session, runId } = await this.sessions.spawn({
        task,
        runtime: str('runtime'),
        runtimeTarget: str('runtime_target'),
        label: str('label'),
        parentKey,
      });
      return {
        content: JSON.stringify({ status: 'accepted', session_key: session.key, run_id: runId ?? null }),
      };
    } catch (err) {
      if (err instanceof AppException)
        return { content: `sessions_spawn failed: ${err.message}`, isError: true };
      throw err;
    }
  }
}
