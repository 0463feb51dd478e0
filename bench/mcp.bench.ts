/**
 * MCP guardrail overhead: the cost per call of the guarded path every agent
 * and operator call takes (fixed-window rate limit → bulkhead → circuit breaker
 * → timeout, counters, outcome classification; McpServerRuntime.call) against
 * calling the same in-process MCP server directly with the SDK client, in the
 * same run. Both talk to one McpServer (tool `echo`) over the SDK's in-memory
 * transport, so the difference is the guardrails, not the network.
 *
 * Rounds alternate raw and guarded (BENCH_MCP_ROUNDS × BENCH_MCP_CALLS calls,
 * sequential and at BENCH_MCP_CONCURRENCY in flight) and the medians are reported.
 */
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { McpServerRuntime } from '../src/modules/mcp/client/mcp-server-runtime';
import { completeServer } from '../src/modules/mcp/config/mcp-server-spec';
import { type BenchResult, round, runIfMain } from './support';

const ROUNDS = Number(process.env.BENCH_MCP_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_MCP_CONCURRENCY ?? 16);

function echoServer(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'echo', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

/** A client transport wired to a fresh in-process server. */
async function inProcessTransport() {
  const [client, server] = InMemoryTransport.createLinkedPair();
  await echoServer().connect(server);
  return client;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Microseconds per call: `calls` calls with `concurrency` in flight. */
async function perCallUs(call: () => Promise<unknown>, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await call();
    }),
  );
  return ((performance.now() - started) * 1000) / calls;
}

export async function run(): Promise<BenchResult[]> {
  // Raw: the SDK client straight to the server.
  const raw = new Client({ name: 'bench-raw', version: '1.0.0' });
  await raw.connect(await inProcessTransport());
  const rawCall = () => raw.callTool({ name: 'echo', arguments: { text: 'hi' } });

  // Guarded: the production call path, limits high enough never to reject.
  const { spec } = completeServer(
    'bench',
    { command: 'in-process', rate_limit_per_minute: 0, max_concurrent_requests: 1024, queue_wait_ms: 1000 },
    ['bench'],
  );
  const transport = await inProcessTransport();
  const guarded = new McpServerRuntime(spec!, async () => ({ env: {}, headers: {} }), {
    requestTimeoutMs: () => 60_000,
    reconnectMaxDelayMs: 1000,
    transportFactory: () => transport,
  });
  await guarded.connect();
  if (!guarded.connected) throw new Error(`guarded client did not connect: ${guarded.lastError}`);
  const guardedCall = async () => {
    const outcome = await guarded.call('echo', { text: 'hi' });
    if (outcome.kind !== 'ok') throw new Error(`unexpected ${outcome.kind}`);
  };

  // Warm-up (JIT, schema validators).
  await perCallUs(rawCall, 500, 1);
  await perCallUs(guardedCall, 500, 1);

  const results: BenchResult[] = [];
  for (const concurrency of [1, CONCURRENCY]) {
    const rawUs: number[] = [];
    const guardedUs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      rawUs.push(await perCallUs(rawCall, CALLS, concurrency));
      guardedUs.push(await perCallUs(guardedCall, CALLS, concurrency));
    }
    const g = median(guardedUs);
    const b = median(rawUs);
    results.push({
      name: `MCP call through guardrails (${concurrency} in flight)`,
      value: round(g),
      unit: 'µs/call',
      baseline: 'same in-process MCP server, SDK client without guardrails',
      baselineValue: round(b),
      ratio: round(g / b, 3),
      goal: 'ratio ≤ 1.2',
    });
    results.push({
      name: `guardrail overhead per call (${concurrency} in flight)`,
      value: round(g - b),
      unit: 'µs/call',
      baseline: 'raw call time',
      baselineValue: round(b),
      ratio: round((g - b) / b, 3),
      goal: 'overhead ≤ 20% of a raw in-process call',
    });
  }
  await guarded.close();
  await raw.close();
  return results;
}

runIfMain(module, run);
