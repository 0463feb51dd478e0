import { histogramQuantile, latencyMs } from './quantile';

describe('histogramQuantile', () => {
  it('interpolates inside the bucket like histogram_quantile()', () => {
    const h = { buckets: { '0.1': 50, '1': 100, '+Inf': 100 }, sum: 0, count: 100 };
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.75, h)).toBeCloseTo(0.55);
    expect(histogramQuantile(0.25, h)).toBeCloseTo(0.05);
  });

  it('answers the highest finite bound when the quantile lies in +Inf', () => {
    const h = { buckets: { '1': 1, '10': 2, '+Inf': 100 }, sum: 0, count: 100 };
    expect(histogramQuantile(0.95, h)).toBe(10);
  });

  it('is null without observations or without a histogram', () => {
    expect(histogramQuantile(0.5, { buckets: { '1': 0, '+Inf': 0 }, sum: 0, count: 0 })).toBeNull();
    expect(histogramQuantile(0.5, undefined)).toBeNull();
    expect(latencyMs(undefined)).toEqual({ p50: null, p95: null, p99: null });
  });

  it('reports milliseconds for histograms recorded in seconds', () => {
    expect(latencyMs({ buckets: { '0.5': 10, '+Inf': 10 }, sum: 1, count: 10 }).p50).toBe(250);
  });
});
