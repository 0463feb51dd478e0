import { EventBus } from '../../common/events/event-bus';
import { RunEvent, RunEventsService } from './run-events.service';

function bus(): EventBus {
  return new EventBus({ configured: false } as never, { keyPrefix: 'test:' } as never);
}

const chat = (organizationId: string, runId: string, seq: number) => ({
  organizationId,
  sessionKey: 'agent:main:main',
  runId,
  payload: { runId, sessionKey: 'agent:main:main', seq, state: 'delta' },
});

describe('RunEventsService', () => {
  it('delivers only the subscribed organization, session and run, in order', async () => {
    const b = bus();
    const got: RunEvent[] = [];
    const sub = new RunEventsService(b).subscribe({ organizationId: 'o1', runId: 'r1' }, (e) => {
      got.push(e);
    });
    b.publish('chat', chat('o2', 'r1', 1));
    b.publish('chat', chat('o1', 'r2', 1));
    b.publish('chat', chat('o1', 'r1', 1));
    b.publish('chat', chat('o1', 'r1', 2));
    expect(got.map((e) => (e.payload as any).payload.seq)).toEqual([1, 2]);
    sub.unsubscribe();
    b.publish('chat', chat('o1', 'r1', 3));
    expect(got).toHaveLength(2);
  });

  it('drops a slow subscriber with a reason instead of buffering without bound, and never slows the publisher', async () => {
    const b = bus();
    const reasons: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const sub = new RunEventsService(b).subscribe({ organizationId: 'o1' }, () => blocked, {
      maxBuffered: 10,
      onDrop: (reason) => reasons.push(reason),
    });
    const fast: number[] = [];
    new RunEventsService(b).subscribe({ organizationId: 'o1' }, (e) => {
      fast.push((e.payload as any).payload.seq);
    });
    const t0 = Date.now();
    for (let i = 1; i <= 100; i++) b.publish('chat', chat('o1', 'r1', i));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(fast).toHaveLength(100);
    expect(sub.dropped).toMatch(/slow subscriber: more than 10 events waiting/);
    expect(reasons).toEqual([sub.dropped]);
    expect(sub.buffered).toBe(0);
    release();
  });

  it('drops a subscriber whose handler throws', () => {
    const b = bus();
    const sub = new RunEventsService(b).subscribe({ organizationId: 'o1' }, () => {
      throw new Error('boom');
    });
    b.publish('chat', chat('o1', 'r1', 1));
    expect(sub.dropped).toBe('subscriber failed: boom');
  });
});
