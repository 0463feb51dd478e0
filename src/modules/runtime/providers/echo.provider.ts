import { sleep } from '../abortable';
import { ModelProvider, ProviderError, ProviderTurnRequest, ProviderTurnResult } from './provider.types';

const MAX_SLEEP_MS = 10 * 60_000;

/** Splits a reply into at least two streamed pieces (word by word, or halves for one word). */
export function echoChunks(reply: string): string[] {
  const words = reply.match(/\S+\s*/g) ?? [];
  if (words.length >= 2) return words;
  if (reply.length >= 2)
    return [reply.slice(0, Math.ceil(reply.length / 2)), reply.slice(Math.ceil(reply.length / 2))];
  return [reply, ''];
}

function countWords(text: string): number {
  return (text.match(/\S+/g) ?? []).length;
}

/**
 * The offline provider: deterministic, no network. It answers `Echo: <message>`
 * streamed word by word. Directives (first word of the message), for demos and tests:
 *   /sleep <ms>          wait (abortable) then answer `slept <ms> ms`
 *   /fail <message>      fail the run with <message>
 *   /tool <name> [json]  call tool <name> with the JSON arguments, then answer with its result
 *   /levels              answer with the thinking and reasoning levels the run was given
 */
export class EchoProvider implements ModelProvider {
  readonly type = 'echo';

  async turn(req: ProviderTurnRequest): Promise<ProviderTurnResult> {
    const last = req.messages[req.messages.length - 1];
    const inputTokens = req.messages.reduce((n, m) => n + countWords(m.content), 0);
    let reply: string;
    if (!last) {
      reply = 'Echo: (nothing to echo)';
    } else if (last.role === 'tool') {
      reply = `Tool ${last.name} returned: ${last.content}`;
    } else {
      const text = last.content;
      const [directive, ...rest] = text.trim().split(/\s+/);
      const arg = text.trim().slice(directive.length).trim();
      switch (directive) {
        case '/sleep': {
          const ms = Math.min(Math.max(Number(rest[0]) || 0, 0), MAX_SLEEP_MS);
          await sleep(ms, req.signal);
          reply = `slept ${ms} ms`;
          break;
        }
        case '/fail':
          throw new ProviderError(arg || 'echo failure requested', 'directive');
        case '/tool': {
          const [name] = rest;
          if (!name) throw new ProviderError('/tool needs a tool name', 'directive');
          const json = arg.slice(name.length).trim() || '{}';
          return {
            text: '',
            toolCalls: [{ id: `call_${req.messages.length}`, name, arguments: json }],
            stopReason: 'tool_calls',
            usage: { inputTokens, outputTokens: 0, totalTokens: inputTokens },
          };
        }
        case '/levels':
          reply = `thinking=${req.thinkingLevel ?? 'off'} reasoning=${req.reasoningLevel ?? 'off'}`;
          break;
        default:
          reply = `Echo: ${text}`;
      }
    }
    for (const chunk of echoChunks(reply)) {
      if (req.signal.aborted) await sleep(0, req.signal);
      req.onDelta(chunk);
      await new Promise((r) => setImmediate(r));
    }
    const outputTokens = countWords(reply);
    return {
      text: reply,
      toolCalls: [],
      stopReason: 'stop',
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    };
  }
}
