/**
 * Delay before the next attempt after `attempts` failed ones: base × 2^(attempts-1),
 * capped, with ±20 % jitter so replicas retrying together spread out.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.max(1, Math.round(Math.min(maxMs, exponential * jitter)));
}
