import { Logger } from '@nestjs/common';
import { RequestContext, RequestContextData } from '../../common/context/request-context';
import { summarize } from '../runtime/providers/redact';
import { SubagentLogKind } from './entities/subagent-log-entry.entity';
import { SubagentsLogRepository } from './repositories/subagents-log.repository';

const MAX_DATA_CHARS = 8000;

/** A JSON value cut to a bounded size (a long raw tool input must not fill the log table). */
export function boundedData(value: unknown): unknown {
  if (value === undefined) return undefined;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return { unserializable: true };
  }
  if (json === undefined) return undefined;
  return json.length <= MAX_DATA_CHARS ? value : { truncated: true, preview: json.slice(0, MAX_DATA_CHARS) };
}

/**
 * Appends the events of one subagent run to subagents_log, in order (writes
 * are chained, so seq follows arrival) and bounded (after `maxEntries` one
 * marker says how many were dropped). Never throws: a failed write is logged.
 */
export class SubagentLogWriter {
  private readonly logger = new Logger('SubagentLog');
  private seq = 0;
  private dropped = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: SubagentsLogRepository,
    private readonly context: RequestContextData,
    private readonly subagentRunId: string,
    private readonly runId: string | null,
    private readonly secrets: string[] = [],
    private readonly maxEntries = 5000,
  ) {}

  log(kind: SubagentLogKind, summary: string, data?: Record<string, unknown>): void {
    if (this.seq >= this.maxEntries - 1) {
      this.dropped++;
      return;
    }
    this.write(kind, summary, data);
  }

  private write(kind: SubagentLogKind, summary: string, data?: Record<string, unknown>): void {
    const entry = {
      subagentRunId: this.subagentRunId,
      runId: this.runId,
      seq: ++this.seq,
      kind,
      summary: summarize(summary, this.secrets, 300),
      data: data ? (boundedData(data) as Record<string, unknown>) : null,
    };
    this.chain = this.chain
      .then(() => RequestContext.run(this.context, () => this.repo.insert(entry)))
      .catch((err) =>
        this.logger.warn(
          `subagent log write failed (${this.subagentRunId} #${entry.seq}): ${(err as Error).message}`,
        ),
      );
  }

  /** Waits for the pending writes (and records how many entries were dropped, if any). */
  async flush(): Promise<void> {
    if (this.dropped) {
      const dropped = this.dropped;
      this.dropped = 0;
      this.write('lifecycle', `${dropped} further event(s) not logged: at most ${this.maxEntries} per run`, {
        dropped,
      });
    }
    await this.chain;
  }
}
