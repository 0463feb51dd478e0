import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { LifecycleService } from '../../common/lifecycle/lifecycle.service';
import { GroupChild } from './acp/child-process';

const RESERVATION_TTL_MS = 60_000;

/**
 * Every ACP agent process (and terminal) this replica started, so the
 * concurrency bound counts them and nothing outlives the service: on drain
 * the runs get the grace period, then whatever is left is killed by process
 * group; at shutdown everything left is killed.
 */
@Injectable()
export class SubagentProcesses implements OnApplicationShutdown {
  private readonly logger = new Logger('SubagentProcesses');
  /** Spawn accepted, process not started yet: subagent id → reserved until. */
  private readonly reservations = new Map<string, number>();
  /** Agent processes by subagent id. */
  private readonly agents = new Map<string, GroupChild>();
  /** Terminals by terminal id. */
  private readonly terminals = new Map<string, GroupChild>();

  constructor(lifecycle: LifecycleService) {
    lifecycle.onDrain('subagents', (deadline) => this.drain(deadline));
  }

  /** Agent processes running or about to start on this replica. */
  count(): number {
    const now = Date.now();
    for (const [id, until] of this.reservations) if (until < now) this.reservations.delete(id);
    return this.agents.size + [...this.reservations.keys()].filter((id) => !this.agents.has(id)).length;
  }

  reserve(subagentId: string): void {
    this.reservations.set(subagentId, Date.now() + RESERVATION_TTL_MS);
  }

  release(subagentId: string): void {
    this.reservations.delete(subagentId);
  }

  trackAgent(subagentId: string, process: GroupChild): void {
    this.reservations.delete(subagentId);
    this.agents.set(subagentId, process);
    void process.exited.then(() => {
      if (this.agents.get(subagentId) === process) this.agents.delete(subagentId);
    });
  }

  trackTerminal(id: string, process: GroupChild): void {
    this.terminals.set(id, process);
    void process.exited.then(() => this.terminals.delete(id));
  }

  /** Pids of the live agent processes (health, tests). */
  agentPids(): number[] {
    return [...this.agents.values()].map((p) => p.pid).filter((p): p is number => p !== undefined);
  }

  private async drain(deadline: number): Promise<void> {
    // Runs finish (or are aborted by the runtime's drain, which stops their process) within the grace period.
    while ((this.agents.size || this.terminals.size) && Date.now() < deadline - 300) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.agents.size || this.terminals.size) {
      this.logger.warn(
        `killing ${this.agents.size} ACP agent process(es) and ${this.terminals.size} terminal(s) still running at shutdown`,
      );
      await this.stopAll();
    }
  }

  private async stopAll(): Promise<void> {
    const all = [...this.agents.values(), ...this.terminals.values()];
    all.forEach((p) => p.killNow());
    await Promise.race([
      Promise.all(all.map((p) => p.exited)),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.agents.size || this.terminals.size) await this.stopAll();
  }
}
