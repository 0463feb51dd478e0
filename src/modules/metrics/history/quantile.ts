import type { HistogramValue } from './metric-point';

/**
 * The q-quantile of a histogram (cumulative buckets by `le`), interpolated
 * linearly inside the bucket, as Prometheus' histogram_quantile() does. Null
 * without observations; a quantile in the +Inf bucket answers the highest
 * finite bound.
 */
export function histogramQuantile(q: number, h: HistogramValue | undefined): number | null {
  if (!h) return null;
  const bounds = Object.entries(h.buckets)
    .map(([le, cum]) => ({ le: le === '+Inf' ? Infinity : Number(le), cum }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  const total = bounds.length ? bounds[bounds.length - 1].cum : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCum = 0;
  for (const b of bounds) {
    if (b.cum >= rank && b.cum > prevCum) {
      if (b.le === Infinity) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCum)) / (b.cum - prevCum);
    }
    if (b.le !== Infinity) prevLe = b.le;
    prevCum = b.cum;
  }
  return prevLe;
}

/** p50/p95/p99 in milliseconds of a histogram recorded in seconds (null without data). */
export function latencyMs(h: HistogramValue | undefined): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
} {
  const ms = (q: number) => {
    const v = histogramQuantile(q, h);
    return v === null ? null : Math.round(v * 1000 * 100) / 100;
  };
  return { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99) };
}
