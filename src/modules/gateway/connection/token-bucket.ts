/** A token bucket for one connection: `capacity` requests, refilled evenly over `windowMs`. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly refillPerMs: number;

  constructor(
    private readonly capacity: number,
    windowMs: number,
    now = Date.now(),
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
    this.refillPerMs = capacity / Math.max(1, windowMs);
  }

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(now = Date.now()): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.refillPerMs);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.refillPerMs));
  }
}
