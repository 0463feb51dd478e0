import { EchoProvider, echoChunks } from './echo.provider';
import { retryAfterMs } from './openai.provider';
import { redactSecrets } from './redact';
import { SseParser } from './sse';

describe('echo provider', () => {
  it('streams at least two deltas, deterministically', async () => {
    expect(echoChunks('one')).toEqual(['on', 'e']);
    expect(echoChunks('a b c')).toEqual(['a ', 'b ', 'c']);
    const deltas: string[] = [];
    const res = await new EchoProvider().turn({
      messages: [{ role: 'user', content: 'hi' }],
      connection: {},
      thinkingLevel: 'high',
      reasoningLevel: null,
      tools: [],
      signal: new AbortController().signal,
      onDelta: (d) => deltas.push(d),
    });
    expect(res.text).toBe('Echo: hi');
    expect(deltas).toEqual(['Echo: ', 'hi']);
  });

  it('/sleep is interrupted promptly by abort', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const turn = new EchoProvider().turn({
      messages: [{ role: 'user', content: '/sleep 60000' }],
      connection: {},
      thinkingLevel: null,
      reasoningLevel: null,
      tools: [],
      signal: controller.signal,
      onDelta: () => undefined,
    });
    setTimeout(() => controller.abort('aborted'), 20);
    await expect(turn).rejects.toThrow(/aborted/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('SSE parsing', () => {
  it('splits events across chunk boundaries and CRLF', () => {
    const p = new SseParser();
    expect(p.push('data: {"a":')).toEqual([]);
    expect(p.push('1}\r\n\r\ndata: [DONE]\n')).toEqual(['{"a":1}']);
    expect(p.push('\n')).toEqual(['[DONE]']);
    expect(p.push(': comment\n\ndata: x')).toEqual([]);
    expect(p.end()).toEqual(['x']);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
  });
});

describe('redaction', () => {
  it('removes keys and bearer tokens', () => {
    expect(
      redactSecrets('bad key sk-abcdefghijkl and Bearer xyz.123 and my-literal-key', ['my-literal-key']),
    ).toBe('bad key [redacted] and Bearer [redacted] and [redacted]');
  });
});
