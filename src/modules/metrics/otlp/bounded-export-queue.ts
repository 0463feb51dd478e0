export interface BoundedExportQueueOptions<T> {
  /** Most data points held (queued + the batch being sent). */
  capacity: number;
  sizeOf(item: T): number;
  send(item: T): Promise<void>;
  /** A failed send that must not be retried (e.g. HTTP 400): the batch is dropped. */
  isPermanent?(err: unknown): boolean;
  onDrop(points: number, why: 'full' | 'permanent' | 'shutdown'): void;
  onFailure?(err: unknown): void;
  onSuccess?(): void;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * A FIFO of export batches bounded by data points, drained by one sender. A
 * failed send waits (exponential backoff with jitter, capped) and retries the
 * same batch; when a new batch does not fit, the oldest waiting batches are
 * dropped and counted. Memory stays bounded and enqueue never waits, so a dead
 * collector cannot block the caller or grow the process.
 */
export class BoundedExportQueue<T> {
  private readonly queue: { item: T; points: number }[] = [];
  private sending?: { item: T; points: number };
  private queuedPoints = 0;
  private retryTimer?: NodeJS.Timeout;
  private backoffMs: number;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: BoundedExportQueueOptions<T>) {
    this.backoffMs = opts.initialBackoffMs;
  }

  /** Points held now (waiting + in flight). */
  get size(): number {
    return this.queuedPoints + (this.sending?.points ?? 0);
  }

  get batches(): number {
    return this.queue.length + (this.sending ? 1 : 0);
  }

  enqueue(item: T): void {
    if (this.stopped) return;
    const points = this.opts.sizeOf(item);
    if (points <= 0) return;
    if (points > this.opts.capacity) {
      this.opts.onDrop(points, 'full');
      return;
    }
    while (this.size + points > this.opts.capacity && this.queue.length) {
      const oldest = this.queue.shift()!;
      this.queuedPoints -= oldest.points;
      this.opts.onDrop(oldest.points, 'full');
    }
    if (this.size + points > this.opts.capacity) {
      this.opts.onDrop(points, 'full');
      return;
    }
    this.queue.push({ item, points });
    this.queuedPoints += points;
    this.pump();
  }

  /** Resolves when nothing is waiting or in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.batches === 0) return true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer); // try once more now rather than after the backoff
      this.retryTimer = undefined;
      this.pump();
    }
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Stops sending; what is left is dropped and counted. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.queuedPoints > 0) this.opts.onDrop(this.queuedPoints, 'shutdown');
    this.queue.length = 0;
    this.queuedPoints = 0;
    this.notifyIdle();
  }

  private pump(): void {
    if (this.stopped || this.sending || this.retryTimer || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    this.queuedPoints -= next.points;
    this.sending = next;
    this.opts.send(next.item).then(
      () => {
        this.sending = undefined;
        this.backoffMs = this.opts.initialBackoffMs;
        this.opts.onSuccess?.();
        this.afterSend();
      },
      (err: unknown) => {
        this.sending = undefined;
        this.opts.onFailure?.(err);
        if (this.stopped) return this.notifyIdle();
        if (this.opts.isPermanent?.(err)) {
          this.opts.onDrop(next.points, 'permanent');
          return this.afterSend();
        }
        this.queue.unshift(next); // capacity already accounted for it
        this.queuedPoints += next.points;
        const delay = Math.min(this.opts.maxBackoffMs, this.backoffMs) * (0.8 + Math.random() * 0.4);
        this.backoffMs = Math.min(this.opts.maxBackoffMs, this.backoffMs * 2);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.pump();
        }, delay);
        this.retryTimer.unref();
      },
    );
  }

  private afterSend(): void {
    if (this.queue.length === 0) this.notifyIdle();
    else this.pump();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
