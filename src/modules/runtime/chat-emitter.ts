import { EventBus } from '../../common/events/event-bus';

/** Publishes one run's OpenClaw `chat` and `agent` events with per-run sequence numbers from 1. */
export class ChatEmitter {
  private chatSeq: number;
  private agentSeq = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly organizationId: string,
    private readonly sessionKey: string,
    private readonly runId: string,
    startSeq = 0,
  ) {
    this.chatSeq = startSeq;
  }

  get seq(): number {
    return this.chatSeq;
  }

  chat(
    state: 'status' | 'delta' | 'final' | 'error' | 'aborted',
    fields: Record<string, unknown> = {},
  ): void {
    this.bus.publish('chat', {
      organizationId: this.organizationId,
      sessionKey: this.sessionKey,
      runId: this.runId,
      payload: { runId: this.runId, sessionKey: this.sessionKey, seq: ++this.chatSeq, state, ...fields },
    });
  }

  agent(stream: string, data: Record<string, unknown>): void {
    this.bus.publish('agent', {
      organizationId: this.organizationId,
      sessionKey: this.sessionKey,
      runId: this.runId,
      payload: {
        runId: this.runId,
        sessionKey: this.sessionKey,
        seq: ++this.agentSeq,
        stream,
        ts: Date.now(),
        data,
      },
    });
  }
}
