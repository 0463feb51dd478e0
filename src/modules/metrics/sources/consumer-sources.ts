import { Injectable } from '@nestjs/common';
import { NamedSources } from './named-sources';

/** How a background consumer (webhook worker, scheduler loop, cleanup job) is doing. */
export interface ConsumerStatus {
  running: boolean;
  last_run_at?: string | null;
  last_error?: string | null;
  [extra: string]: unknown;
}

/**
 * Background consumers shown under `consumers` in /api/health (OCMT's "check
 * for stuck consumers"): `consumers.register('scheduler', () => ({ running, last_run_at }))`.
 */
@Injectable()
export class ConsumerSources extends NamedSources<ConsumerStatus> {}
