import { formatReport, runLoad } from '../scripts/load-test';
import { ensureBuilt } from './support/build';

/**
 * The load run of `npm run load`, short: the built service on embedded PGlite under a mixed HTTP
 * workload (reads, chat messages, webhook deliveries, metrics) and WebSocket bridge clients at
 * once. No request may fail; memory may grow with the data written, not without bound.
 */
/** The run spawns its own embedded service: it does not depend on TEST_DATABASE_URL, so .ci/run runs it once. */
const skip = !!process.env.SKIP_BACKEND_INDEPENDENT_TESTS;
if (skip) console.warn('load smoke skipped: SKIP_BACKEND_INDEPENDENT_TESTS is set');

(skip ? describe.skip : describe)('load smoke (npm run load, 5 s)', () => {
  beforeAll(() => ensureBuilt(), 240_000);

  it('serves a mixed HTTP + WebSocket workload with zero errors and bounded memory', async () => {
    const report = await runLoad({ durationSec: 5, connections: 4, wsClients: 4 });
    console.log(`load smoke report\n${formatReport(report)}`);
    expect(report.errors).toBe(0);
    expect(report.http.requests).toBeGreaterThan(20);
    expect(Object.keys(report.http.statuses).sort()).toEqual(['200', '202']);
    expect(report.ws.requests).toBeGreaterThan(20);
    expect(report.ws.chatEvents).toBeGreaterThan(0); // runs started over REST reach the bridge subscribers
    expect(report.memory.rssAfterMb - report.memory.rssBeforeMb).toBeLessThan(200);
    expect(report.memory.heapAfterMb).toBeLessThan(report.memory.heapBeforeMb + 150);
  }, 120_000);
});
