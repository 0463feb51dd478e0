import { Bulkhead, BulkheadFullError } from './bulkhead';
import { CircuitBreaker } from './circuit-breaker';
import { Clock, FixedWindowLimiter } from './fixed-window';

export type RejectionKind = 'rate_limited' | 'bulkhead' | 'circuit_open';

export interface GuardRejection {
  kind: RejectionKind;
  message: string;
  retryAfterMs: number;
}

/** How a finished call counts for the breaker: failure (error, timeout), success, or neither (the caller gave up). */
export type Verdict = 'success' | 'failure' | 'neutral';

export interface GuardLimits {
  rate_limit_per_minute: number;
  max_concurrent_requests: number;
  queue_wait_ms: number;
  circuit_breaker_failure_threshold: number;
  circuit_breaker_cooldown_secs: number;
}

export interface GuardCounters {
  calls: number;
  ok: number;
  errors: number;
  timeouts: number;
  rate_limited: number;
  bulkhead: number;
  circuit_open: number;
}

export type GuardResult<T> = { rejected: GuardRejection } | { rejected?: undefined; value: T };

const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The guardrails of one MCP server, applied in the runbook's order: fixed-window
 * rate limit → bulkhead (bounded queue wait) → circuit breaker → the call.
 * A rejection never reaches the server and is counted by kind.
 */
export class ServerGuard {
  readonly limiter: FixedWindowLimiter;
  readonly bulkhead: Bulkhead;
  readonly breaker: CircuitBreaker;
  readonly counters: GuardCounters = {
    calls: 0,
    ok: 0,
    errors: 0,
    timeouts: 0,
    rate_limited: 0,
    bulkhead: 0,
    circuit_open: 0,
  };

  constructor(
    readonly server: string,
    limits: GuardLimits,
    private readonly onReject: (kind: RejectionKind) => void = () => undefined,
    now: Clock = Date.now,
  ) {
    this.limiter = new FixedWindowLimiter(limits.rate_limit_per_minute, now);
    this.bulkhead = new Bulkhead(limits.max_concurrent_requests, limits.queue_wait_ms);
    this.breaker = new CircuitBreaker(
      limits.circuit_breaker_failure_threshold,
      limits.circuit_breaker_cooldown_secs * 1000,
      now,
    );
  }

  /** New knobs after a reload; state (window, in-flight calls, breaker) carries on. */
  update(limits: GuardLimits): void {
    this.limiter.limitPerMinute = limits.rate_limit_per_minute;
    this.bulkhead.maxConcurrent = limits.max_concurrent_requests;
    this.bulkhead.queueWaitMs = limits.queue_wait_ms;
    this.breaker.failureThreshold = limits.circuit_breaker_failure_threshold;
    this.breaker.cooldownMs = limits.circuit_breaker_cooldown_secs * 1000;
  }

  async run<T>(
    call: () => Promise<T>,
    verdict: (value: T) => Verdict,
    signal?: AbortSignal,
  ): Promise<GuardResult<T>> {
    const rate = this.limiter.tryAcquire();
    if (!rate.ok) {
      return this.reject(
        'rate_limited',
        `MCP server '${this.server}' rate limit reached (${this.limiter.limitPerMinute} calls per minute); retry after ${secs(rate.retryAfterMs)}s`,
        rate.retryAfterMs,
      );
    }
    let release: () => void;
    try {
      release = await this.bulkhead.acquire(signal);
    } catch (err) {
      if (!(err instanceof BulkheadFullError)) throw err;
      return this.reject(
        'bulkhead',
        `MCP server '${this.server}' is busy (${err.maxConcurrent} calls in flight, no slot within ${err.waitedMs} ms); retry shortly`,
        Math.max(1000, this.bulkhead.queueWaitMs),
      );
    }
    try {
      const admission = this.breaker.tryAcquire();
      if (!admission.ok) {
        const what =
          admission.state === 'open' ? 'circuit open' : 'circuit half-open (trial call in progress)';
        return this.reject(
          'circuit_open',
          `MCP server '${this.server}' ${what}; retry after ${secs(admission.retryAfterMs)}s`,
          admission.retryAfterMs,
        );
      }
      this.counters.calls++;
      let value: T;
      try {
        value = await call();
      } catch (err) {
        this.breaker.onNeutral(admission.trial);
        throw err;
      }
      const v = verdict(value);
      if (v === 'success') this.breaker.onSuccess(admission.trial);
      else if (v === 'failure') this.breaker.onFailure(admission.trial);
      else this.breaker.onNeutral(admission.trial);
      return { value };
    } finally {
      release();
    }
  }

  private reject(kind: RejectionKind, message: string, retryAfterMs: number): GuardResult<never> {
    this.counters[kind]++;
    this.onReject(kind);
    return { rejected: { kind, message, retryAfterMs } };
  }
}
