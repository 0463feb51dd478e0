import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../../../common/events/event-bus';

const MAX_KEPT = 2000;

/**
 * The final answer text of recent runs, taken from `chat` events as they pass
 * (no query), so the run log gets its summary for free. Bounded: the oldest
 * answers are forgotten first; a missing one falls back to the transcript.
 */
@Injectable()
export class RunAnswers implements OnModuleInit, OnModuleDestroy {
  private readonly answers = new Map<string, string>();
  private unsubscribe?: () => void;

  constructor(private readonly bus: EventBus) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe('chat', ({ runId, payload }) => {
      if (payload?.state !== 'final') return;
      const text = textOf(payload.message);
      if (!text) return;
      this.answers.set(runId, text);
      if (this.answers.size > MAX_KEPT) this.answers.delete(this.answers.keys().next().value as string);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** The answer of `runId` if it was seen (and forgets it). */
  take(runId: string): string | undefined {
    const text = this.answers.get(runId);
    this.answers.delete(runId);
    return text;
  }
}

function textOf(message: unknown): string {
  const content = (message as { content?: unknown })?.content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c) => (typeof (c as { text?: unknown })?.text === 'string' ? (c as { text: string }).text : ''))
    .join('')
    .trim();
}
