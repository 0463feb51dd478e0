import { Injectable, Logger } from '@nestjs/common';

export type DrainHook = (deadline: number) => Promise<void> | void;

/**
 * Process lifecycle shared by modules: once draining begins, /readyz answers
 * 503, and each registered drain hook (WebSocket `shutdown` events, waiting
 * for in-flight runs, stopping job claims) runs before the server closes.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger('Lifecycle');
  private readonly hooks: { name: string; hook: DrainHook }[] = [];
  private drainingSince?: number;
  readonly startedAt = Date.now();

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  onDrain(name: string, hook: DrainHook): void {
    this.hooks.push({ name, hook });
  }

  /** Runs every drain hook in parallel, each bounded by the deadline. */
  async drain(graceMs: number): Promise<void> {
    if (this.drainingSince !== undefined) return;
    this.drainingSince = Date.now();
    const deadline = this.drainingSince + graceMs;
    await Promise.all(
      this.hooks.map(async ({ name, hook }) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn(`drain hook '${name}' did not finish within the grace period`);
            resolve();
          }, Math.max(0, deadline - Date.now()));
        });
        try {
          await Promise.race([Promise.resolve(hook(deadline)), timeout]);
        } catch (err) {
          this.logger.warn(`drain hook '${name}' failed: ${(err as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}
