export type Clock = () => number;

const WINDOW_MS = 60_000;

/**
 * Fixed 60 s window (runbook: "per-server rate limit enforces a fixed 60s window
 * budget"): at most `limitPerMinute` calls start per window; 0 = unlimited.
 */
export class FixedWindowLimiter {
  private windowStart = 0;
  private count = 0;

  constructor(
    public limitPerMinute: number,
    private readonly now: Clock = Date.now,
  ) {}

  /** Takes one slot of the current window, or says how long until the next window. */
  tryAcquire(): { ok: true } | { ok: false; retryAfterMs: number } {
    this.roll();
    if (this.limitPerMinute > 0 && this.count >= this.limitPerMinute) {
      return { ok: false, retryAfterMs: this.windowStart + WINDOW_MS - this.now() };
    }
    this.count++;
    return { ok: true };
  }

  /** Calls counted in the current window. */
  get windowCount(): number {
    this.roll();
    return this.count;
  }

  get windowResetsAt(): number {
    this.roll();
    return this.windowStart + WINDOW_MS;
  }

  private roll(): void {
    const now = this.now();
    if (now >= this.windowStart + WINDOW_MS) {
      this.windowStart = now;
      this.count = 0;
    }
  }
}
