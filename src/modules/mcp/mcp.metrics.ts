import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';
import { METRIC } from '../metrics/metric-names';
import { RejectionKind } from './guardrails/server-guard';

/** MCP counters: the three guardrail rejections the runbook names (label `server`; their sum is the global value) and calls by outcome. */
@Injectable()
export class McpMetrics {
  private readonly rejections: Record<RejectionKind, Counter<'server'>>;
  readonly calls: Counter<'server' | 'outcome'>;

  constructor(metrics: MetricsRegistry) {
    this.rejections = {
      rate_limited: metrics.counter({
        name: METRIC.mcpRateLimited,
        help: 'MCP calls refused by the per-server fixed-window rate limit (rate_limit_per_minute)',
        labelNames: ['server'],
      }),
      bulkhead: metrics.counter({
        name: METRIC.mcpBulkhead,
        help: 'MCP calls refused because max_concurrent_requests were in flight for longer than queue_wait_ms',
        labelNames: ['server'],
      }),
      circuit_open: metrics.counter({
        name: METRIC.mcpCircuitOpen,
        help: 'MCP calls refused because the server circuit breaker was open (or half-open with its trial in flight)',
        labelNames: ['server'],
      }),
    };
    this.calls = metrics.counter({
      name: 'mcp_tool_calls_total',
      help: 'MCP tool calls by server and outcome (ok, tool_error, timeout, transport, protocol, aborted, rejected)',
      labelNames: ['server', 'outcome'],
    });
  }

  rejected(server: string, kind: RejectionKind): void {
    this.rejections[kind].inc({ server });
  }
}
