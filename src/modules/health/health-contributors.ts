import { Injectable, Logger } from '@nestjs/common';

/** A field of /api/health: an object, or a plain value such as `wsConnections: 3`. */
export type HealthContribution = () => Promise<unknown> | unknown;

/**
 * Modules add their operational fields to GET /api/health here
 * (WebSocket connections, queue depth, scheduler and cleanup stats, …).
 */
@Injectable()
export class HealthContributors {
  private readonly logger = new Logger('Health');
  private readonly contributions = new Map<string, HealthContribution>();

  register(name: string, contribution: HealthContribution): void {
    this.contributions.set(name, contribution);
  }

  async collect(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of this.contributions) {
      try {
        out[name] = await fn();
      } catch (err) {
        this.logger.warn(`health contribution '${name}' failed: ${(err as Error).message}`);
        out[name] = { error: (err as Error).message };
      }
    }
    return out;
  }
}
