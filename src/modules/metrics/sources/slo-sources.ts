import { Injectable } from '@nestjs/common';
import { NamedSources } from './named-sources';

/** A value for an SLO computed by its owning module (e.g. the scheduler over 7 days). */
export interface SloReading {
  /** null = no data yet. */
  value: number | null;
  /** Human window, e.g. '7d'. */
  window?: string;
}

/**
 * SLOs whose value another module computes. The scheduler registers
 * `scheduler_recoverability_7d` here: `slos.register('scheduler_recoverability_7d', async () => ({ value, window: '7d' }))`.
 * Until then the SLO reads no_data.
 */
@Injectable()
export class SloSources extends NamedSources<SloReading> {}
