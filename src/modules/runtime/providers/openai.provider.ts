import { abortError, AbortedError, sleep } from '../abortable';
import { RunUsage } from '../run.types';
import {
  ModelProvider,
  ProviderError,
  ProviderMessage,
  ProviderTurnRequest,
  ProviderTurnResult,
  ToolCall,
} from './provider.types';
import { summarize } from './redact';
import { SseParser } from './sse';

export interface OpenAiProviderOptions {
  defaultBaseUrl: string;
  defaultModel: string;
  defaultApiKey?: string;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  idleTimeoutMs: number;
}

const THINKING_TO_EFFORT: Record<string, string | undefined> = {
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
};

/** OpenAI allows ^[a-zA-Z0-9_-]{1,64}$ as function names; ours may contain '.' or ':'. */
function safeToolName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/** Seconds or an HTTP date → milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Any OpenAI-compatible `/v1/chat/completions` endpoint, streamed (SSE).
 * Retries 429/5xx and connection failures with exponential backoff, honouring
 * Retry-After; a stream silent for idleTimeoutMs fails as stalled. Errors are
 * summarized without the API key.
 */
export class OpenAiProvider implements ModelProvider {
  readonly type = 'openai';

  constructor(private readonly options: OpenAiProviderOptions) {}

  async turn(req: ProviderTurnRequest): Promise<ProviderTurnResult> {
    const baseUrl = (req.connection.baseUrl || this.options.defaultBaseUrl).replace(/\/+$/, '');
    const apiKey = req.connection.apiKey || this.options.defaultApiKey;
    const model = req.connection.model || this.options.defaultModel;
    const url = `${baseUrl}/chat/completions`;
    const names = new Map(req.tools.map((t) => [safeToolName(t.name), t.name]));
    const body: Record<string, unknown> = {
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: req.messages.map((m) => this.toWire(m)),
    };
    if (req.tools.length) {
      body.tools = req.tools.map((t) => ({
        type: 'function',
        function: { name: safeToolName(t.name), description: t.description, parameters: t.inputSchema },
      }));
    }
    const effort = req.thinkingLevel ? THINKING_TO_EFFORT[req.thinkingLevel] : undefined;
    if (effort) body.reasoning_effort = effort;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
    };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const secrets = [apiKey];

    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchWithIdleTimeout(
          url,
          { method: 'POST', headers, body: JSON.stringify(body) },
          req.signal,
        );
      } catch (err) {
        if (req.signal.aborted) throw abortError(req.signal);
        if (err instanceof ProviderError) throw err;
        const message = `cannot reach the provider at ${baseUrl}: ${summarize((err as Error).message, secrets)}`;
        if (attempt < this.options.maxRetries) {
          await sleep(this.backoff(attempt), req.signal);
          continue;
        }
        throw new ProviderError(message, 'network');
      }
      if (res.ok) return this.readStream(res, req, names, secrets);
      const detail = await this.errorDetail(res, secrets);
      if (isRetryableStatus(res.status) && attempt < this.options.maxRetries) {
        const asked = retryAfterMs(res.headers.get('retry-after'));
        if (asked !== undefined && asked > this.options.retryMaxDelayMs) {
          throw new ProviderError(
            `provider answered HTTP ${res.status} and asked to retry after ${Math.ceil(asked / 1000)} s (more than PROVIDER_RETRY_MAX_DELAY_MS): ${detail}`,
            'http',
            res.status,
          );
        }
        await sleep(asked ?? this.backoff(attempt), req.signal);
        continue;
      }
      const retries = attempt > 0 ? ` after ${attempt} ${attempt === 1 ? 'retry' : 'retries'}` : '';
      const hint = res.status === 401 || res.status === 403 ? ' (check the agent API key)' : '';
      throw new ProviderError(
        `provider answered HTTP ${res.status}${retries}${hint}: ${detail}`,
        'http',
        res.status,
      );
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.retryBaseMs * 2 ** attempt;
    return Math.min(
      this.options.retryMaxDelayMs,
      base + Math.floor(Math.random() * this.options.retryBaseMs),
    );
  }

  private toWire(m: ProviderMessage): Record<string, unknown> {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    if (m.role === 'assistant' && m.toolCalls?.length) {
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: safeToolName(c.name), arguments: c.arguments },
        })),
      };
    }
    return { role: m.role, content: m.content };
  }

  /** fetch() whose response headers must arrive within the idle timeout. */
  private async fetchWithIdleTimeout(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort('idle'), this.options.idleTimeoutMs);
    try {
      return await fetch(url, { ...init, signal: controller.signal });
    } catch (err) {
      if (controller.signal.reason === 'idle' && !signal.aborted) {
        throw new ProviderError(`provider did not answer within ${this.options.idleTimeoutMs} ms`, 'timeout');
      }
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async errorDetail(res: Response, secrets: (string | undefined)[]): Promise<string> {
    let text = '';
    try {
      text = (await res.text()).slice(0, 4000);
    } catch {
      return res.statusText || 'no body';
    }
    try {
      const json = JSON.parse(text);
      const message = json?.error?.message ?? json?.message ?? json?.error;
      if (typeof message === 'string') return summarize(message, secrets);
    } catch {
      /* not JSON */
    }
    return summarize(text || res.statusText || 'no body', secrets);
  }

  private async readStream(
    res: Response,
    req: ProviderTurnRequest,
    names: Map<string, string>,
    secrets: (string | undefined)[],
  ): Promise<ProviderTurnResult> {
    if (!res.body) throw new ProviderError('provider answered without a body', 'malformed');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let text = '';
    let stopReason: string | undefined;
    let usage: RunUsage | undefined;
    let done = false;
    const calls = new Map<number, ToolCall>();

    const handle = (data: string) => {
      if (data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let chunk: any;
      try {
        chunk = JSON.parse(data);
      } catch {
        throw new ProviderError(
          `malformed stream chunk from provider: ${summarize(data, secrets, 120)}`,
          'malformed',
        );
      }
      if (chunk?.error) {
        throw new ProviderError(
          `provider error in stream: ${summarize(String(chunk.error.message ?? JSON.stringify(chunk.error)), secrets)}`,
          'http',
        );
      }
      if (chunk?.usage) {
        usage = {
          inputTokens: chunk.usage.prompt_tokens,
          outputTokens: chunk.usage.completion_tokens,
          totalTokens: chunk.usage.total_tokens,
        };
      }
      const choice = Array.isArray(chunk?.choices) ? chunk.choices[0] : undefined;
      if (!choice) return;
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content) {
        text += delta.content;
        req.onDelta(delta.content);
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const tc of delta.tool_calls) {
          const index = typeof tc.index === 'number' ? tc.index : calls.size;
          const call = calls.get(index) ?? { id: '', name: '', arguments: '' };
          if (tc.id) call.id = tc.id;
          if (tc.function?.name) call.name += tc.function.name;
          if (tc.function?.arguments) call.arguments += tc.function.arguments;
          calls.set(index, call);
        }
      }
      if (choice.finish_reason) stopReason = choice.finish_reason;
    };

    try {
      while (!done) {
        const { value, done: ended } = await this.readWithIdleTimeout(reader, req.signal);
        if (ended) {
          parser.end().forEach(handle);
          break;
        }
        parser.push(decoder.decode(value, { stream: true })).forEach(handle);
      }
    } catch (err) {
      await reader.cancel().catch(() => {});
      if (err instanceof ProviderError || err instanceof AbortedError) throw err;
      if (req.signal.aborted) throw abortError(req.signal);
      throw new ProviderError(
        `provider stream broke: ${summarize((err as Error).message, secrets)}`,
        'network',
      );
    }
    if (!done && !stopReason)
      throw new ProviderError('provider stream ended before the reply was complete', 'malformed');
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([i, c]) => ({
        id: c.id || `call_${i}`,
        name: names.get(c.name) ?? c.name,
        arguments: c.arguments || '{}',
      }));
    return { text, toolCalls, usage, stopReason };
  }

  private readWithIdleTimeout(
    reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
    signal: AbortSignal,
  ): Promise<{ done: boolean; value?: Uint8Array }> {
    return new Promise((resolve, reject) => {
      const onAbort = () => finish(() => reject(abortError(signal)));
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new ProviderError(
                `provider stream stalled: no data for ${this.options.idleTimeoutMs} ms`,
                'timeout',
              ),
            ),
          ),
        this.options.idleTimeoutMs,
      );
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      reader.read().then(
        (r) => finish(() => resolve(r)),
        (e) => finish(() => reject(e)),
      );
    });
  }
}
