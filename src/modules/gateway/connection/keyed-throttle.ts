/**
 * Calls `fn(key)` at most once per `intervalMs` for each key: at once when the
 * interval since the last call has passed, else once when it has (however many
 * triggers came meanwhile).
 */
export class KeyedThrottle {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly calledAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly fn: (key: string) => void,
  ) {}

  trigger(key: string): void {
    if (this.timers.has(key)) return;
    const wait = (this.calledAt.get(key) ?? 0) + this.intervalMs - Date.now();
    if (wait <= 0) return this.call(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.call(key);
    }, wait);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** The key's next trigger calls at once (nothing left to pace, e.g. its last client is gone). */
  forget(key: string): void {
    this.calledAt.delete(key);
  }

  /** Drops the pending calls. */
  cancel(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private call(key: string): void {
    this.calledAt.set(key, Date.now());
    this.fn(key);
  }
}
