import { BoundedExportQueue } from './bounded-export-queue';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BoundedExportQueue', () => {
  it('never holds more than its capacity and counts what it drops', async () => {
    const dropped: number[] = [];
    const queue = new BoundedExportQueue<number>({
      capacity: 10,
      sizeOf: (n) => n,
      send: () => new Promise<void>(() => undefined), // a collector that never answers
      onDrop: (points) => dropped.push(points),
      initialBackoffMs: 10,
      maxBackoffMs: 20,
    });
    for (let i = 0; i < 100; i++) {
      queue.enqueue(4);
      expect(queue.size).toBeLessThanOrEqual(10);
    }
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(100 * 4 - queue.size);
    queue.enqueue(11); // larger than the whole queue
    expect(dropped[dropped.length - 1]).toBe(11);
    queue.stop();
  });

  it('retries a failed batch with backoff, in order, then drains', async () => {
    const sent: string[] = [];
    let failuresLeft = 2;
    const queue = new BoundedExportQueue<string>({
      capacity: 100,
      sizeOf: () => 1,
      send: async (item) => {
        if (failuresLeft-- > 0) throw new Error('collector down');
        sent.push(item);
      },
      onDrop: () => undefined,
      initialBackoffMs: 5,
      maxBackoffMs: 20,
    });
    queue.enqueue('a');
    queue.enqueue('b');
    expect(await queue.drain(5000)).toBe(true);
    expect(sent).toEqual(['a', 'b']);
    expect(queue.size).toBe(0);
  });

  it('drops a batch the collector rejects permanently (HTTP 400) and goes on', async () => {
    const sent: string[] = [];
    const drops: string[] = [];
    const queue = new BoundedExportQueue<string>({
      capacity: 100,
      sizeOf: () => 1,
      send: async (item) => {
        if (item === 'bad') throw Object.assign(new Error('Bad Request'), { code: 400 });
        sent.push(item);
      },
      isPermanent: (err) => (err as { code?: number }).code === 400,
      onDrop: (_points, why) => drops.push(why),
      initialBackoffMs: 5,
      maxBackoffMs: 20,
    });
    queue.enqueue('bad');
    queue.enqueue('good');
    expect(await queue.drain(5000)).toBe(true);
    expect(sent).toEqual(['good']);
    expect(drops).toEqual(['permanent']);
  });

  it('drain gives up after its timeout and stop() counts what is left', async () => {
    const hang = deferred();
    let droppedAtStop = 0;
    const queue = new BoundedExportQueue<string>({
      capacity: 100,
      sizeOf: () => 3,
      send: () => hang.promise,
      onDrop: (points, why) => {
        if (why === 'shutdown') droppedAtStop += points;
      },
      initialBackoffMs: 5,
      maxBackoffMs: 20,
    });
    queue.enqueue('x');
    queue.enqueue('y');
    expect(await queue.drain(50)).toBe(false);
    queue.stop();
    expect(droppedAtStop).toBe(3); // 'y' waited; 'x' was in flight
    hang.resolve();
  });
});
