import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { SERVICE_VERSION } from '../../../version';
import type { McpServerSpec } from '../config/mcp-server-spec';

export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface McpContentItem {
  type: string;
  text?: string;
  mimeType?: string;
  [key: string]: unknown;
}

export interface McpCallResult {
  content: McpContentItem[];
  isError: boolean;
  structuredContent?: unknown;
}

export type McpFailureKind = 'timeout' | 'transport' | 'protocol' | 'aborted';

/** A call that got no result: `kind` decides how guardrails and the memory fallback count it. */
export class McpCallError extends Error {
  constructor(
    readonly kind: McpFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** The secrets of a server's env/headers, already resolved through the vault (never logged). */
export interface ResolvedSecrets {
  env: Record<string, string>;
  headers: Record<string, string>;
}

export type TransportFactory = (spec: McpServerSpec, secrets: ResolvedSecrets) => Transport;

const STDERR_LINES = 20;

/** Builds the SDK transport of a server: a child process over stdio, or Streamable HTTP. */
export const defaultTransportFactory: TransportFactory = (spec, secrets) => {
  if (spec.transport === 'stdio') {
    return new StdioClientTransport({
      command: spec.command!,
      args: spec.args,
      env: secrets.env,
      cwd: spec.cwd,
      stderr: 'pipe',
    });
  }
  return new StreamableHTTPClientTransport(new URL(spec.endpoint!), {
    requestInit: { headers: secrets.headers },
    reconnectionOptions: {
      maxReconnectionDelay: 5000,
      initialReconnectionDelay: 500,
      reconnectionDelayGrowFactor: 2,
      maxRetries: 0,
    },
  });
};

/** One MCP client session to one server, through @modelcontextprotocol/sdk. */
export class McpConnection {
  state: ConnectionState = 'disconnected';
  tools: McpToolInfo[] = [];
  lastError?: string;
  connectedAt?: Date;
  serverVersion?: string;
  private client?: Client;
  private readonly stderrTail: string[] = [];

  constructor(
    readonly spec: McpServerSpec,
    private readonly secrets: ResolvedSecrets,
    private readonly onLost: (reason: string) => void,
    private readonly transportFactory: TransportFactory = defaultTransportFactory,
  ) {}

  get stderr(): string[] {
    return [...this.stderrTail];
  }

  /** Connects, initializes and lists the tools; throws McpCallError (the connection stays `disconnected`). */
  async connect(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') throw new McpCallError('transport', 'connection closed');
    this.state = 'connecting';
    const client = new Client({ name: 'clawcontrol', version: SERVICE_VERSION }, { capabilities: {} });
    const transport = this.transportFactory(this.spec, this.secrets);
    this.captureStderr(transport);
    let intentional = false;
    client.onclose = () => {
      if (this.client !== client || intentional || this.state === 'closed') return;
      this.state = 'disconnected';
      this.client = undefined;
      const tail = this.stderrTail.length ? ` (stderr: ${this.stderrTail.slice(-3).join(' | ')})` : '';
      this.lastError = `connection lost${tail}`;
      this.onLost(this.lastError);
    };
    client.onerror = (err) => {
      this.lastError = summarizeError(err);
    };
    try {
      await client.connect(transport, { timeout: timeoutMs });
      this.tools = await this.listAllTools(client, timeoutMs);
    } catch (err) {
      intentional = true;
      await client.close().catch(() => undefined);
      if (!this.isClosed()) this.state = 'disconnected';
      const failure = toCallError(err);
      const tail = this.stderrTail.length ? ` (stderr: ${this.stderrTail.slice(-3).join(' | ')})` : '';
      this.lastError = `connect failed: ${failure.message}${tail}`;
      throw new McpCallError(failure.kind, this.lastError);
    }
    if (this.isClosed()) {
      intentional = true;
      await client.close().catch(() => undefined);
      throw new McpCallError('transport', 'connection closed');
    }
    this.client = client;
    this.state = 'connected';
    this.connectedAt = new Date();
    this.lastError = undefined;
    this.serverVersion = client.getServerVersion()?.version;
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    opts: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<McpCallResult> {
    const client = this.client;
    if (!client || this.state !== 'connected') {
      throw new McpCallError(
        'transport',
        `MCP server '${this.spec.name}' is not connected${this.lastError ? ` (${this.lastError})` : ''}`,
      );
    }
    if (opts.signal?.aborted) throw abortedError(opts.signal);
    try {
      const result = await client.callTool({ name, arguments: args }, undefined, {
        timeout: opts.timeoutMs,
        signal: opts.signal,
      });
      return {
        content: Array.isArray(result.content) ? (result.content as McpContentItem[]) : [],
        isError: result.isError === true,
        ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
      };
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError(opts.signal);
      throw toCallError(err, opts.timeoutMs);
    }
  }

  /** close() may run while connect() awaits (read fresh, not narrowed). */
  private isClosed(): boolean {
    return (this.state as ConnectionState) === 'closed';
  }

  async close(): Promise<void> {
    this.state = 'closed';
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  private async listAllTools(client: Client, timeoutMs: number): Promise<McpToolInfo[]> {
    if (!client.getServerCapabilities()?.tools) return [];
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
      for (const t of res.tools) {
        tools.push({
          name: t.name,
          description: t.description ?? '',
          inputSchema: (t.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
        });
      }
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  private captureStderr(transport: Transport): void {
    const stream = (transport as Partial<StdioClientTransport>).stderr;
    if (!stream) return;
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        this.stderrTail.push(line.slice(0, 300));
        if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
      }
      if (partial.length > 4096) partial = partial.slice(-4096);
    });
  }
}

function abortedError(signal: AbortSignal): McpCallError {
  const reason = signal.reason;
  if (reason === 'timeout') return new McpCallError('timeout', 'the tool call timed out');
  return new McpCallError(
    'aborted',
    `the call was cancelled (${typeof reason === 'string' ? reason : 'aborted'})`,
  );
}

export function summarizeError(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return message.replace(/\s+/g, ' ').slice(0, 300);
}

function toCallError(err: unknown, timeoutMs?: number): McpCallError {
  if (err instanceof McpCallError) return err;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout)
      return new McpCallError(
        'timeout',
        `MCP request timed out${timeoutMs ? ` after ${timeoutMs / 1000} s` : ''}`,
      );
    if (err.code === ErrorCode.ConnectionClosed)
      return new McpCallError('transport', `connection closed: ${summarizeError(err)}`);
    return new McpCallError('protocol', summarizeError(err));
  }
  return new McpCallError('transport', summarizeError(err));
}
