import type { Clock } from './fixed-window';

export type CircuitState = 'closed' | 'open' | 'half_open';

export type BreakerAdmission =
  | { ok: true; trial: boolean }
  | { ok: false; state: 'open' | 'half_open'; retryAfterMs: number };

/**
 * Consecutive-failure circuit breaker (runbook "MCP Reliability Tuning"):
 * `failureThreshold` failures in a row open it; while open, calls are refused
 * until `cooldownMs` has passed; then exactly ONE trial call is let through
 * (half-open) — its success closes the circuit, its failure opens it for
 * another cooldown. Threshold 0 disables the breaker.
 *
 * Why not opossum: opossum trips on an error percentage over a rolling window
 * (errorThresholdPercentage + volumeThreshold), so it cannot express "5
 * consecutive failures" (one success inside the window hides later failures),
 * and in half-open it does not limit the trial to one call.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private trialInFlight = false;
  opens = 0;
  lastOpenedAt?: number;

  constructor(
    public failureThreshold: number,
    public cooldownMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  /** The state as a caller would find it now (an open circuit past its cooldown reads half_open). */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() >= this.openedAt + this.cooldownMs) return 'half_open';
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Milliseconds until an open circuit admits its trial call (0 when not open). */
  get retryAfterMs(): number {
    return this.current === 'open' ? Math.max(0, this.openedAt + this.cooldownMs - this.now()) : 0;
  }

  tryAcquire(): BreakerAdmission {
    if (this.failureThreshold <= 0 || this.current === 'closed') return { ok: true, trial: false };
    if (this.current === 'open') {
      const wait = this.openedAt + this.cooldownMs - this.now();
      if (wait > 0) return { ok: false, state: 'open', retryAfterMs: wait };
      this.current = 'half_open';
    }
    if (this.trialInFlight) return { ok: false, state: 'half_open', retryAfterMs: 1000 };
    this.trialInFlight = true;
    return { ok: true, trial: true };
  }

  onSuccess(trial: boolean): void {
    if (trial) this.trialInFlight = false;
    // A call admitted before the circuit opened does not close it: only the trial does.
    if (trial || this.current === 'closed') {
      this.current = 'closed';
      this.consecutive = 0;
    }
  }

  onFailure(trial: boolean): void {
    if (trial) this.trialInFlight = false;
    this.consecutive++;
    if (this.failureThreshold <= 0) return;
    if (trial || (this.current === 'closed' && this.consecutive >= this.failureThreshold)) this.open();
  }

  /** The admitted call ended without a verdict (the caller gave up): a trial slot is handed back. */
  onNeutral(trial: boolean): void {
    if (trial) this.trialInFlight = false;
  }

  private open(): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.lastOpenedAt = this.openedAt;
    this.opens++;
  }
}
