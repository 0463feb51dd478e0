import { Bulkhead, BulkheadFullError } from './bulkhead';
import { CircuitBreaker } from './circuit-breaker';
import { FixedWindowLimiter } from './fixed-window';
import { ServerGuard } from './server-guard';

describe('FixedWindowLimiter', () => {
  it('admits limit calls per 60 s window, then says when the window ends; 0 is unlimited', () => {
    let now = 1_000_000;
    const limiter = new FixedWindowLimiter(2, () => now);
    expect(limiter.tryAcquire().ok).toBe(true);
    now += 10_000;
    expect(limiter.tryAcquire().ok).toBe(true);
    expect(limiter.tryAcquire()).toEqual({ ok: false, retryAfterMs: 50_000 });
    expect(limiter.windowCount).toBe(2);
    now += 50_000;
    expect(limiter.tryAcquire().ok).toBe(true);
    expect(limiter.windowCount).toBe(1);
    const unlimited = new FixedWindowLimiter(0, () => now);
    for (let i = 0; i < 1000; i++) expect(unlimited.tryAcquire().ok).toBe(true);
  });
});

describe('Bulkhead', () => {
  it('hands a released slot to the oldest waiter and rejects waiters after queueWaitMs', async () => {
    const b = new Bulkhead(1, 50);
    const release = await b.acquire();
    const waiting = b.acquire();
    expect(b.queued).toBe(1);
    release();
    const second = await waiting;
    expect(b.inFlight).toBe(1);
    await expect(b.acquire()).rejects.toBeInstanceOf(BulkheadFullError);
    second();
    second(); // releasing twice is harmless
    expect(b.inFlight).toBe(0);
    expect(b.queued).toBe(0);
  });

  it('queue_wait_ms 0 fails fast; an aborted waiter leaves the queue', async () => {
    const b = new Bulkhead(1, 0);
    await b.acquire();
    await expect(b.acquire()).rejects.toThrow('bulkhead full');
    const q = new Bulkhead(1, 10_000);
    await q.acquire();
    const ctrl = new AbortController();
    const waiting = q.acquire(ctrl.signal);
    ctrl.abort(new Error('run aborted'));
    await expect(waiting).rejects.toThrow('run aborted');
    expect(q.queued).toBe(0);
  });
});

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures (a success in between resets), half-opens after the cooldown for one trial', () => {
    let now = 0;
    const cb = new CircuitBreaker(3, 30_000, () => now);
    cb.onFailure(false);
    cb.onFailure(false);
    cb.onSuccess(false);
    cb.onFailure(false);
    cb.onFailure(false);
    expect(cb.state).toBe('closed');
    cb.onFailure(false);
    expect(cb.state).toBe('open');
    expect(cb.tryAcquire()).toEqual({ ok: false, state: 'open', retryAfterMs: 30_000 });
    now += 30_000;
    expect(cb.state).toBe('half_open');
    expect(cb.tryAcquire()).toEqual({ ok: true, trial: true });
    expect(cb.tryAcquire()).toMatchObject({ ok: false, state: 'half_open' });
    cb.onSuccess(true);
    expect(cb.state).toBe('closed');
    expect(cb.tryAcquire()).toEqual({ ok: true, trial: false });
  });

  it('a failed trial re-opens for a full cooldown; a neutral trial hands the slot back; a late success does not close an open circuit', () => {
    let now = 0;
    const cb = new CircuitBreaker(1, 1000, () => now);
    cb.onFailure(false);
    now += 1000;
    expect(cb.tryAcquire()).toEqual({ ok: true, trial: true });
    cb.onFailure(true);
    expect(cb.state).toBe('open');
    expect(cb.opens).toBe(2);
    now += 1000;
    expect(cb.tryAcquire().ok).toBe(true);
    cb.onNeutral(true);
    expect(cb.tryAcquire()).toEqual({ ok: true, trial: true });
    cb.onFailure(true);
    cb.onSuccess(false); // a call admitted before the circuit opened
    expect(cb.state).toBe('open');
  });

  it('threshold 0 disables it', () => {
    const cb = new CircuitBreaker(0, 1000);
    for (let i = 0; i < 50; i++) cb.onFailure(false);
    expect(cb.tryAcquire()).toEqual({ ok: true, trial: false });
  });
});

describe('ServerGuard', () => {
  const limits = {
    rate_limit_per_minute: 100,
    max_concurrent_requests: 1,
    queue_wait_ms: 0,
    circuit_breaker_failure_threshold: 1,
    circuit_breaker_cooldown_secs: 60,
  };

  it('checks rate → bulkhead → breaker in order and counts each rejection once', async () => {
    const rejected: string[] = [];
    const guard = new ServerGuard('s', { ...limits, rate_limit_per_minute: 2 }, (k) => rejected.push(k));
    let releaseCall!: () => void;
    const first = guard.run(
      () => new Promise<string>((r) => (releaseCall = () => r('done'))),
      () => 'success',
    );
    const busy = await guard.run(
      async () => 'x',
      () => 'success',
    );
    expect(busy.rejected?.kind).toBe('bulkhead');
    const limited = await guard.run(
      async () => 'x',
      () => 'success',
    );
    expect(limited.rejected?.kind).toBe('rate_limited'); // the window is spent before the bulkhead is asked
    releaseCall();
    expect(await first).toEqual({ value: 'done' });
    expect(rejected).toEqual(['bulkhead', 'rate_limited']);
    expect(guard.counters).toMatchObject({ calls: 1, bulkhead: 1, rate_limited: 1 });
  });

  it('a failure verdict opens the breaker; the next call is refused without running', async () => {
    const guard = new ServerGuard('s', limits);
    await guard.run(
      async () => 'boom',
      () => 'failure',
    );
    let ran = false;
    const res = await guard.run(
      async () => (ran = true),
      () => 'success',
    );
    expect(ran).toBe(false);
    expect(res.rejected).toMatchObject({
      kind: 'circuit_open',
      message: "MCP server 's' circuit open; retry after 60s",
    });
    expect(guard.bulkhead.inFlight).toBe(0);
  });
});
