import type {
  CreateTerminalRequest,
  CreateTerminalResponse,
  KillTerminalRequest,
  ReadTextFileRequest,
  ReadTextFileResponse,
  ReleaseTerminalRequest,
  RequestPermissionRequest,
  RequestPermissionResponse,
  SessionNotification,
  TerminalOutputRequest,
  TerminalOutputResponse,
  WaitForTerminalExitRequest,
  WaitForTerminalExitResponse,
  WriteTextFileRequest,
} from '@agentclientprotocol/sdk';
import { AbortedError } from '../runtime/abortable';
import { ProviderError, ProviderTurnRequest, ProviderTurnResult } from '../runtime/providers/provider.types';
import { redactSecrets } from '../runtime/providers/redact';
import { AcpClientHost, HandshakeTimeoutError, runConversation } from './acp/acp-conversation';
import { AcpSdk } from './acp/acp-sdk';
import { ExitStatus, GroupChild, TailBuffer } from './acp/child-process';
import { answerFor } from './acp/permission-options';
import { TerminalManager } from './acp/terminals';
import { PathRefusedError, Workspace } from './acp/workspace';
import { ApprovalsService } from './approvals/approvals.service';
import { AcpSettings, AcpTarget } from './config/acp-settings';
import { SubagentRun } from './entities/subagent-run.entity';
import { SubagentRunsRepository } from './repositories/subagent-runs.repository';
import { boundedData, SubagentLogWriter } from './subagent-log-writer';
import { SubagentProcesses } from './subagent-processes';

const STDERR_TAIL_BYTES = 4096;
const RESULT_TEXT_MAX = 8000;
const HANDSHAKE_TIMEOUT_MS = 30_000;
const CANCEL_GRACE_MS = 1000;
const EXIT_GRACE_MS = 1000;
const MAX_TERMINALS = 8;

export interface SubagentSessionDeps {
  sdk: AcpSdk;
  settings: AcpSettings;
  runs: SubagentRunsRepository;
  approvals: ApprovalsService;
  processes: SubagentProcesses;
  log: SubagentLogWriter;
  clientVersion: string;
}

export interface SubagentLaunch {
  row: SubagentRun;
  target: AcpTarget;
  workspace: Workspace;
  env: NodeJS.ProcessEnv;
  /** Resolved secret values of the target's env (redacted from stderr and the log). */
  secrets: string[];
}

type Outcome =
  | { kind: 'done'; stopReason: string }
  | { kind: 'error'; error: unknown }
  | { kind: 'exited'; status: ExitStatus }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: ProviderError };

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeExit(s: ExitStatus): string {
  if (s.spawnError) return `could not be started (${s.spawnError})`;
  return s.signal ? `was killed by ${s.signal}` : `exited with code ${s.code}`;
}

/**
 * One subagent run on the client side of ACP: starts the agent process in the
 * working directory, holds the conversation, streams the answer into the run
 * (`chat` deltas) and the agent's plan and tool calls as `agent` events,
 * answers file, terminal and permission requests within the working
 * directory and the permission mode, logs every event, and always stops the
 * process group before returning.
 */
export class SubagentSession implements AcpClientHost {
  private text = '';
  private textBytes = 0;
  private sessionId?: string;
  private readonly cancel = new AbortController();
  private failure?: (error: ProviderError) => void;
  private readonly terminals: TerminalManager;
  private process?: GroupChild;
  private readonly stderr = new TailBuffer(STDERR_TAIL_BYTES);

  constructor(
    private readonly deps: SubagentSessionDeps,
    private readonly launch: SubagentLaunch,
    private readonly req: ProviderTurnRequest,
  ) {
    this.terminals = new TerminalManager(
      launch.workspace,
      { maxOutputBytes: deps.settings.terminalOutputBytes, maxTerminals: MAX_TERMINALS, baseEnv: launch.env },
      {
        onStart: (id, process) => deps.processes.trackTerminal(id, process),
        onExit: (id, info) =>
          deps.log.log('terminal', `terminal ${describeExit(info.status)}: ${info.command}`, {
            op: 'exit',
            terminal_id: id,
            exit_code: info.status.code,
            signal: info.status.signal,
            output_bytes: info.outputBytes,
            truncated: info.truncated,
          }),
      },
    );
  }

  private get row(): SubagentRun {
    return this.launch.row;
  }

  async run(): Promise<ProviderTurnResult> {
    const { target, workspace } = this.launch;
    const commandLine = [target.command, ...target.args].join(' ');
    const process = GroupChild.start(target.command, target.args, {
      cwd: workspace.root,
      env: this.launch.env,
    });
    this.process = process;
    process.child.stderr?.on('data', (c: Buffer) => this.stderr.push(c));
    this.deps.processes.trackAgent(this.row.id, process);
    await this.deps.runs.update(this.row.id, {
      status: 'running',
      pid: process.pid ?? null,
      runId: this.req.run?.id ?? null,
      workspace: workspace.root,
      startedAt: new Date(),
    });
    this.deps.log.log(
      'lifecycle',
      `started ${commandLine} (pid ${process.pid ?? 'none'}) in ${workspace.root}`,
      {
        op: 'start',
        pid: process.pid ?? null,
        command: target.command,
        args: target.args,
        target: target.name,
        cwd: workspace.root,
      },
    );
    this.req.onAgentEvent?.('lifecycle', {
      phase: 'start',
      subagent: true,
      pid: process.pid ?? null,
      target: target.name,
    });

    let result: ProviderTurnResult | undefined;
    let thrown: unknown;
    try {
      result = await this.converse(process);
    } catch (err) {
      thrown = err;
    } finally {
      await this.cleanUp(process);
    }
    if (thrown !== undefined) throw thrown;
    return result!;
  }

  private async converse(process: GroupChild): Promise<ProviderTurnResult> {
    const signal = this.req.signal;
    const conversation = runConversation(this.deps.sdk, process, this, {
      cwd: this.launch.workspace.root,
      prompt: this.task(),
      clientVersion: this.deps.clientVersion,
      maxMessageBytes:
        Math.max(this.deps.settings.maxOutputBytes, this.deps.settings.maxFileBytes) + 64 * 1024,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      cancel: this.cancel.signal,
      onSession: (id) => (this.sessionId = id),
    });
    const settled: Promise<Outcome> = conversation.then(
      (r) => ({ kind: 'done', stopReason: r.stopReason }),
      (error) => ({ kind: 'error', error }),
    );
    let onAbort: () => void = () => undefined;
    const outcome = await Promise.race<Outcome>([
      settled,
      process.exited.then((status) => ({ kind: 'exited', status })),
      new Promise<Outcome>((resolve) => {
        onAbort = () => resolve({ kind: 'aborted' });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
      new Promise<Outcome>((resolve) => (this.failure = (error) => resolve({ kind: 'failed', error }))),
    ]);
    signal.removeEventListener('abort', onAbort);

    if (outcome.kind === 'done' && !signal.aborted) {
      if (outcome.stopReason === 'cancelled')
        throw this.subagentError('the agent cancelled its turn (stopReason "cancelled")');
      return { text: this.text, toolCalls: [], stopReason: outcome.stopReason };
    }
    if (outcome.kind === 'aborted' || signal.aborted) {
      await this.cancelTurn(settled);
      throw new AbortedError(signal.reason);
    }
    if (outcome.kind === 'failed') {
      await this.cancelTurn(settled);
      throw outcome.error;
    }
    if (outcome.kind === 'exited') throw this.exitedEarly(outcome.status);
    // The conversation failed: when the process died, say so (with its stderr) rather than "connection closed".
    const status = await Promise.race([
      process.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 500)),
    ]);
    if (status) throw this.exitedEarly(status);
    const error = (outcome as { error: unknown }).error;
    if (error instanceof HandshakeTimeoutError)
      throw this.subagentError(
        `the ACP agent gave ${error.message}: does ${this.launch.target.command} speak ACP over stdio?`,
      );
    throw this.subagentError(`ACP protocol error: ${(error as Error)?.message ?? String(error)}`);
  }

  /** session/cancel, then a short wait for the agent to end its turn (the process is stopped afterwards anyway). */
  private async cancelTurn(settled: Promise<Outcome>): Promise<void> {
    this.cancel.abort();
    await Promise.race([settled, new Promise((r) => setTimeout(r, CANCEL_GRACE_MS))]);
  }

  /** The prompt: the newest user message of the transcript (the spawn task, as hooks may have rewritten it). */
  private task(): string {
    for (let i = this.req.messages.length - 1; i >= 0; i--) {
      const m = this.req.messages[i];
      if (m.role === 'user') return m.content;
    }
    return '';
  }

  private subagentError(message: string): ProviderError {
    return new ProviderError(redactSecrets(message, this.launch.secrets), 'subagent');
  }

  private exitedEarly(status: ExitStatus): ProviderError {
    const tail = this.stderrTail();
    return this.subagentError(
      `ACP agent ${describeExit(status)} before finishing the task${tail ? `; stderr: ${cut(tail, 2000)}` : ' (no stderr output)'}`,
    );
  }

  private stderrTail(): string {
    return redactSecrets(this.stderr.text(), this.launch.secrets).trim();
  }

  private async cleanUp(process: GroupChild): Promise<void> {
    this.cancel.abort();
    await this.terminals.closeAll().catch(() => undefined);
    // A finished agent gets the chance to exit on its own (end of input), then the group is stopped regardless.
    if (!this.req.signal.aborted && !process.exitStatus) {
      process.child.stdin?.end();
      await Promise.race([process.exited, new Promise((r) => setTimeout(r, EXIT_GRACE_MS))]);
    }
    const status = await process.stop(1000);
    this.deps.log.log('lifecycle', `agent ${describeExit(status)}`, {
      op: 'exit',
      exit_code: status.code,
      signal: status.signal,
      ...(status.spawnError ? { spawn_error: status.spawnError } : {}),
    });
    await this.deps.runs
      .update(this.row.id, {
        exitCode: status.code,
        exitSignal: status.signal,
        stderrTail: this.stderrTail() || null,
        resultText: this.text ? cut(this.text, RESULT_TEXT_MAX) : null,
      })
      .catch(() => undefined);
    await this.deps.log.flush();
  }

  // ——— ACP client side ———

  onSessionUpdate(notification: SessionNotification): void {
    const update = notification.update;
    switch (update.sessionUpdate) {
      case 'agent_message_chunk': {
        if (update.content.type !== 'text' || !update.content.text) return;
        const chunk = update.content.text;
        this.textBytes += Buffer.byteLength(chunk, 'utf8');
        if (this.textBytes > this.deps.settings.maxOutputBytes) {
          this.failure?.(
            this.subagentError(
              `subagent output exceeded ${this.deps.settings.maxOutputBytes} bytes (subagents.acp.max_output_bytes); the agent was stopped`,
            ),
          );
          return;
        }
        this.text += chunk;
        this.req.onDelta(chunk);
        return;
      }
      case 'agent_thought_chunk':
        if (update.content.type === 'text')
          this.req.onAgentEvent?.('thinking', { text: cut(update.content.text, 4000), subagent: true });
        return;
      case 'plan': {
        const entries = update.entries.map((e) => ({
          content: e.content,
          priority: e.priority,
          status: e.status,
        }));
        this.req.onAgentEvent?.('plan', { entries, subagent: true });
        const done = entries.filter((e) => e.status === 'completed').length;
        this.deps.log.log(
          'plan',
          `plan: ${entries.length} step(s), ${done} done${entries[0] ? ` — ${entries[0].content}` : ''}`,
          { entries },
        );
        return;
      }
      case 'tool_call': {
        this.req.onAgentEvent?.('tool', {
          phase: 'start',
          name: update.title,
          toolCallId: update.toolCallId,
          kind: update.kind ?? null,
          status: update.status ?? 'pending',
          subagent: true,
        });
        this.deps.log.log('tool_call', `tool call: ${update.title}`, {
          tool_call_id: update.toolCallId,
          title: update.title,
          kind: update.kind ?? null,
          status: update.status ?? null,
          locations: update.locations ?? null,
          raw_input: boundedData(update.rawInput) ?? null,
        });
        return;
      }
      case 'tool_call_update': {
        const finished = update.status === 'completed' || update.status === 'failed';
        this.req.onAgentEvent?.('tool', {
          phase: finished ? 'result' : 'update',
          toolCallId: update.toolCallId,
          ...(update.title ? { name: update.title } : {}),
          status: update.status ?? null,
          isError: update.status === 'failed',
          subagent: true,
        });
        this.deps.log.log(
          'tool_call_update',
          `tool call ${update.toolCallId}: ${update.status ?? 'updated'}${update.title ? ` (${update.title})` : ''}`,
          {
            tool_call_id: update.toolCallId,
            status: update.status ?? null,
            title: update.title ?? null,
            raw_output: boundedData(update.rawOutput) ?? null,
          },
        );
        return;
      }
      default:
        return;
    }
  }

  async requestPermission(
    params: RequestPermissionRequest,
    signal: AbortSignal,
  ): Promise<RequestPermissionResponse> {
    const mode = this.deps.settings.permissionMode;
    const toolCall = {
      toolCallId: params.toolCall.toolCallId,
      title: params.toolCall.title ?? null,
      kind: params.toolCall.kind ?? null,
      rawInput: boundedData(params.toolCall.rawInput) ?? null,
    };
    const options = params.options.map((o) => ({ optionId: o.optionId, name: o.name, kind: o.kind }));
    let decision: 'approve' | 'deny' = mode === 'auto_approve' ? 'approve' : 'deny';
    let decidedBy: string = mode;
    let approvalId: string | null = null;
    if (mode === 'ask') {
      const both = AbortSignal.any([signal, this.cancel.signal, this.req.signal]);
      const outcome = await this.deps.approvals.request(
        {
          subagentRunId: this.row.id,
          runId: this.req.run?.id ?? null,
          sessionKey: this.row.sessionKey,
          cwd: this.launch.workspace.root,
          toolCall,
          options,
          timeoutMs: this.deps.settings.approvalTimeoutSecs * 1000,
        },
        both,
      );
      decision = outcome.decision;
      decidedBy = outcome.decidedBy;
      approvalId = outcome.approvalId;
    }
    const cancelled = decidedBy === 'cancelled';
    const answer = cancelled ? ({ outcome: 'cancelled' } as const) : answerFor(decision, options);
    const title = toolCall.title ?? toolCall.toolCallId;
    this.deps.log.log(
      'permission',
      `${decision === 'approve' ? 'approved' : 'denied'}: ${title} (${mode}, by ${decidedBy})`,
      {
        mode,
        decision,
        decided_by: decidedBy,
        approval_id: approvalId,
        tool_call: toolCall,
        options,
        answer,
      },
    );
    this.req.onAgentEvent?.('approval', {
      phase: 'resolved',
      approvalId,
      decision,
      decidedBy,
      title,
      subagent: true,
    });
    return { outcome: answer };
  }

  /** Runs a file/terminal request; refusals (outside the directory, limits) are logged and answered as ACP errors. */
  private async guarded<T>(
    kind: 'file' | 'terminal',
    op: string,
    requested: string,
    sessionId: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const { RequestError } = this.deps.sdk;
    if (this.sessionId && sessionId !== this.sessionId) throw RequestError.sessionNotFound(sessionId);
    try {
      return await fn();
    } catch (err) {
      const reason =
        err instanceof PathRefusedError
          ? err.message
          : `${op} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      this.deps.log.log(kind, `refused ${op} ${requested}: ${reason}`, {
        op,
        path: requested,
        refused: reason,
      });
      throw new RequestError(-32602, `refused: ${reason}`, { path: requested });
    }
  }

  readTextFile(params: ReadTextFileRequest): Promise<ReadTextFileResponse> {
    return this.guarded('file', 'read', params.path, params.sessionId, async () => {
      const { path, content } = await this.launch.workspace.readText(
        params.path,
        this.deps.settings.maxFileBytes,
        params.line,
        params.limit,
      );
      const display = this.launch.workspace.display(path);
      this.deps.log.log('file', `read ${display}`, {
        op: 'read',
        path: display,
        bytes: Buffer.byteLength(content, 'utf8'),
      });
      return { content };
    });
  }

  writeTextFile(params: WriteTextFileRequest): Promise<void> {
    return this.guarded('file', 'write', params.path, params.sessionId, async () => {
      const { path, bytes } = await this.launch.workspace.writeText(
        params.path,
        params.content,
        this.deps.settings.maxFileBytes,
      );
      const display = this.launch.workspace.display(path);
      this.deps.log.log('file', `wrote ${display} (${bytes} bytes)`, { op: 'write', path: display, bytes });
    });
  }

  createTerminal(params: CreateTerminalRequest): Promise<CreateTerminalResponse> {
    const commandLine = [params.command, ...(params.args ?? [])].join(' ');
    return this.guarded('terminal', 'terminal', params.cwd ?? commandLine, params.sessionId, async () => {
      const { id, cwd, limit } = await this.terminals.create(params);
      const display = this.launch.workspace.display(cwd);
      this.deps.log.log('terminal', `terminal started in ${display}: ${commandLine}`, {
        op: 'create',
        terminal_id: id,
        command: params.command,
        args: params.args ?? [],
        cwd: display,
        output_byte_limit: limit,
      });
      return { terminalId: id };
    });
  }

  terminalOutput(params: TerminalOutputRequest): Promise<TerminalOutputResponse> {
    return this.guarded('terminal', 'terminal/output', params.terminalId, params.sessionId, async () =>
      this.terminals.output(params.terminalId),
    );
  }

  waitForTerminalExit(
    params: WaitForTerminalExitRequest,
    signal: AbortSignal,
  ): Promise<WaitForTerminalExitResponse> {
    return this.guarded('terminal', 'terminal/wait_for_exit', params.terminalId, params.sessionId, () =>
      this.terminals.waitForExit(params.terminalId, AbortSignal.any([signal, this.cancel.signal])),
    );
  }

  killTerminal(params: KillTerminalRequest): Promise<void> {
    return this.guarded('terminal', 'terminal/kill', params.terminalId, params.sessionId, () =>
      this.terminals.kill(params.terminalId),
    );
  }

  releaseTerminal(params: ReleaseTerminalRequest): Promise<void> {
    return this.guarded('terminal', 'terminal/release', params.terminalId, params.sessionId, () =>
      this.terminals.release(params.terminalId),
    );
  }
}
