import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  authorization?: string;
  body: any;
}

/**
 * A local OpenAI-compatible /v1/chat/completions server. The scenario is the
 * last user message's first word (`normal`, `tool`, `429`, `500`, `stall`,
 * `malformed`, `401`, `truncated`), so one server serves every test.
 */
export class FakeOpenAi {
  readonly requests: FakeRequest[] = [];
  private readonly attempts = new Map<string, number>();
  private server!: Server;
  private readonly open = new Set<ServerResponse>();
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  requestsFor(scenario: string): FakeRequest[] {
    return this.requests.filter((r) => scenarioOf(r.body) === scenario);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw);
    this.requests.push({ authorization: req.headers.authorization, body });
    const scenario = scenarioOf(body);
    const attempt = (this.attempts.get(scenario) ?? 0) + 1;
    this.attempts.set(scenario, attempt);
    const sse = () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
    };
    const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const delta = (content: string) => send({ choices: [{ index: 0, delta: { content } }] });
    const finish = (reason = 'stop') => {
      send({ choices: [{ index: 0, delta: {}, finish_reason: reason }] });
      send({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } });
      res.end('data: [DONE]\n\n');
    };
    const last = body.messages[body.messages.length - 1];
    switch (scenario) {
      case 'tool':
        sse();
        if (last.role === 'tool') {
          delta('the tool said: ');
          delta(String(last.content).split('\n')[1] ?? '');
          finish();
        } else {
          send({
            choices: [
              {
                index: 0,
                delta: {
                  tool_calls: [
                    {
                      index: 0,
                      id: 'call_a',
                      type: 'function',
                      function: { name: 'test_add', arguments: '{"a":' },
                    },
                  ],
                },
              },
            ],
          });
          send({
            choices: [
              { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '2,"b":3}' } }] } },
            ],
          });
          finish('tool_calls');
        }
        return;
      case '429':
        if (attempt === 1) {
          res
            .writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: 'slow down' } }));
          return;
        }
        sse();
        delta('after ');
        delta('waiting');
        finish();
        return;
      case '500':
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'the model is on fire' } }));
        return;
      case '401':
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({
              error: {
                message: `Incorrect API key provided: ${req.headers.authorization?.replace('Bearer ', '')}`,
              },
            }),
          );
        return;
      case 'stall':
        sse();
        delta('I will now ');
        return; // never another byte
      case 'malformed':
        sse();
        delta('fine so far');
        res.write('data: {"choices": [oops\n\n');
        return;
      case 'truncated':
        sse();
        delta('half a rep');
        res.end();
        return;
      default:
        sse();
        delta('Hello');
        delta(', operator');
        finish();
    }
  }
}

function scenarioOf(body: any): string {
  const user = [...body.messages].reverse().find((m: any) => m.role === 'user');
  return String(user?.content ?? '').split(/\s+/)[0];
}
