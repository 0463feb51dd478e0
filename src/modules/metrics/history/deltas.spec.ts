import { coveredSeconds, latestGauges, StoredPoint, sumDeltas, windowDeltas } from './deltas';

const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);

function p(
  replicaId: string,
  s: number,
  startedS: number,
  ok: number,
  gauges: Record<string, number> = {},
): StoredPoint {
  return {
    replicaId,
    capturedAt: t(s),
    processStartedAt: t(startedS),
    intervalS: 60,
    counters: { http_requests_total: { 'status=200': ok } },
    histograms: {},
    gauges: Object.fromEntries(Object.entries(gauges).map(([k, v]) => [k, { '': v }])),
  };
}

const total = (points: StoredPoint[], baselines: StoredPoint[], since: number) =>
  sumDeltas(windowDeltas(points, baselines, t(since))).counters.http_requests_total?.['status=200'] ?? 0;

describe('windowDeltas', () => {
  it('takes deltas against the previous point of the same replica', () => {
    expect(total([p('a', 60, 0, 10), p('a', 120, 0, 25), p('a', 180, 0, 26)], [], 0)).toBe(26);
    expect(total([p('a', 120, 0, 25), p('a', 180, 0, 26)], [p('a', 60, 0, 10)], 100)).toBe(16);
  });

  it('ignores the first point of a replica that started before the window and has no baseline', () => {
    expect(total([p('a', 120, 0, 25), p('a', 180, 0, 30)], [], 100)).toBe(5);
  });

  it('treats a counter that went down, or a new process start, as a reset', () => {
    expect(total([p('a', 60, 0, 100), p('a', 120, 0, 3)], [], 0)).toBe(103);
    // same value range but a new process: the new value is the delta
    expect(total([p('a', 60, 0, 100), p('a', 120, 90, 150)], [], 0)).toBe(250);
  });

  it('sums replicas', () => {
    expect(total([p('a', 60, 0, 10), p('b', 61, 0, 5), p('a', 120, 0, 12), p('b', 121, 0, 9)], [], 0)).toBe(
      21,
    );
  });

  it('histogram deltas subtract bucket by bucket and reset when any bucket shrinks', () => {
    const h = (b1: number, inf: number) => ({ buckets: { '1': b1, '+Inf': inf }, sum: inf, count: inf });
    const a1 = { ...p('a', 60, 0, 0), histograms: { x: h(5, 10) } };
    const a2 = { ...p('a', 120, 0, 0), histograms: { x: h(7, 15) } };
    expect(sumDeltas(windowDeltas([a2], [a1], t(100))).histograms.x).toEqual({
      buckets: { '1': 2, '+Inf': 5 },
      sum: 5,
      count: 5,
    });
    const a3 = { ...p('a', 180, 0, 0), histograms: { x: h(1, 2) } };
    expect(sumDeltas(windowDeltas([a3], [a2], t(150))).histograms.x).toEqual(h(1, 2));
  });
});

describe('latestGauges and coveredSeconds', () => {
  it('sums per-replica resources and takes the maximum of ratios, from each replica’s latest point', () => {
    const points = [
      p('a', 60, 0, 0, { ws_connections: 5, memory_usage_percent: 50 }),
      p('a', 120, 0, 0, { ws_connections: 7, memory_usage_percent: 60 }),
      p('b', 110, 0, 0, { ws_connections: 3, memory_usage_percent: 90 }),
    ];
    expect(latestGauges(points)).toEqual({ ws_connections: { '': 10 }, memory_usage_percent: { '': 90 } });
  });

  it('covers the longest span of any one replica', () => {
    const deltas = windowDeltas([p('a', 60, 0, 1), p('a', 120, 0, 2), p('b', 100, 70, 1)], [], t(0));
    expect(coveredSeconds(deltas)).toBe(120);
  });
});
