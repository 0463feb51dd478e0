import { Readable, Writable } from 'node:stream';
import type {
  CreateTerminalRequest,
  CreateTerminalResponse,
  KillTerminalRequest,
  PromptResponse,
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
import { AcpSdk } from './acp-sdk';
import { GroupChild } from './child-process';

/** What the client side of one ACP session does with the agent's requests. */
export interface AcpClientHost {
  onSessionUpdate(notification: SessionNotification): void;
  requestPermission(
    params: RequestPermissionRequest,
    signal: AbortSignal,
  ): Promise<RequestPermissionResponse>;
  readTextFile(params: ReadTextFileRequest): Promise<ReadTextFileResponse>;
  writeTextFile(params: WriteTextFileRequest): Promise<void>;
  createTerminal(params: CreateTerminalRequest): Promise<CreateTerminalResponse>;
  terminalOutput(params: TerminalOutputRequest): Promise<TerminalOutputResponse>;
  waitForTerminalExit(
    params: WaitForTerminalExitRequest,
    signal: AbortSignal,
  ): Promise<WaitForTerminalExitResponse>;
  killTerminal(params: KillTerminalRequest): Promise<void>;
  releaseTerminal(params: ReleaseTerminalRequest): Promise<void>;
}

export interface ConversationOptions {
  cwd: string;
  prompt: string;
  clientVersion: string;
  /** Largest JSON-RPC message accepted from the agent. */
  maxMessageBytes: number;
  /** How long initialize + session/new may take. */
  handshakeTimeoutMs: number;
  /** Aborting sends session/cancel; the agent then ends the turn with stopReason "cancelled". */
  cancel: AbortSignal;
  /** Called with the ACP session id once session/new answered. */
  onSession(sessionId: string): void;
}

export class HandshakeTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HandshakeTimeoutError(`no answer to ${what} within ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One ACP conversation over the agent's stdio with the SDK's client side:
 * initialize (file system and terminal capabilities), session/new in the
 * working directory, then the task as one prompt turn. Resolves with the
 * turn's PromptResponse; the agent's requests go to `host`.
 */
export async function runConversation(
  sdk: AcpSdk,
  agent: GroupChild,
  host: AcpClientHost,
  options: ConversationOptions,
): Promise<PromptResponse> {
  const { methods } = sdk;
  const stream = sdk.ndJsonStream(
    Writable.toWeb(agent.child.stdin!) as WritableStream<Uint8Array>,
    Readable.toWeb(agent.child.stdout!) as unknown as ReadableStream<Uint8Array>,
    { maxMessageBytes: options.maxMessageBytes },
  );
  const app = sdk
    .client({ name: 'clawcontrol' })
    .onNotification(methods.client.session.update, ({ params }) => host.onSessionUpdate(params))
    .onRequest(methods.client.session.requestPermission, ({ params, signal }) =>
      host.requestPermission(params, signal),
    )
    .onRequest(methods.client.fs.readTextFile, ({ params }) => host.readTextFile(params))
    .onRequest(methods.client.fs.writeTextFile, ({ params }) => host.writeTextFile(params))
    .onRequest(methods.client.terminal.create, ({ params }) => host.createTerminal(params))
    .onRequest(methods.client.terminal.output, ({ params }) => host.terminalOutput(params))
    .onRequest(methods.client.terminal.waitForExit, ({ params, signal }) =>
      host.waitForTerminalExit(params, signal),
    )
    .onRequest(methods.client.terminal.kill, ({ params }) => host.killTerminal(params))
    .onRequest(methods.client.terminal.release, ({ params }) => host.releaseTerminal(params));

  return app.connectWith(stream, async (ctx) => {
    await withTimeout(
      ctx.request(methods.agent.initialize, {
        protocolVersion: sdk.PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
        clientInfo: { name: 'clawcontrol', version: options.clientVersion },
      }),
      options.handshakeTimeoutMs,
      'initialize',
    );
    const { sessionId } = await withTimeout(
      ctx.request(methods.agent.session.new, { cwd: options.cwd, mcpServers: [] }),
      options.handshakeTimeoutMs,
      'session/new',
    );
    options.onSession(sessionId);
    const onCancel = () =>
      void ctx.notify(methods.agent.session.cancel, { sessionId }).catch(() => undefined);
    if (options.cancel.aborted) onCancel();
    else options.cancel.addEventListener('abort', onCancel, { once: true });
    try {
      return await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: 'text', text: options.prompt }],
      });
    } finally {
      options.cancel.removeEventListener('abort', onCancel);
    }
  });
}
