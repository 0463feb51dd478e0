export class BulkheadFullError extends Error {
  constructor(
    readonly maxConcurrent: number,
    readonly waitedMs: number,
  ) {
    super(`bulkhead full: ${maxConcurrent} in flight, no slot within ${waitedMs} ms`);
  }
}

interface Waiter {
  grant: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * At most `maxConcurrent` calls at once; a call that finds every slot taken
 * waits up to `queueWaitMs` (FIFO) for one, then is rejected (fail fast).
 */
export class Bulkhead {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    public maxConcurrent: number,
    public queueWaitMs: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function (call it exactly once), or rejects with BulkheadFullError. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.maxConcurrent && this.waiters.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queueWaitMs <= 0) return Promise.reject(new BulkheadFullError(this.maxConcurrent, 0));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const leave = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const onAbort = () => {
        leave();
        clearTimeout(waiter.timer);
        reject(
          signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason ?? 'aborted')),
        );
      };
      waiter.timer = setTimeout(() => {
        leave();
        signal?.removeEventListener('abort', onAbort);
        reject(new BulkheadFullError(this.maxConcurrent, this.queueWaitMs));
      }, this.queueWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next && this.active <= this.maxConcurrent) next.grant();
      else this.active--;
    };
  }
}
