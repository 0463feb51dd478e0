/**
 * Runtime benchmark: runs/s through the echo provider (full path: run row,
 * transcript, chat events, terminal state) and event fan-out latency through
 * RunEventsService. Same-run baselines: raw INSERT rate into `runs` on the same
 * database connection, and a bare node EventEmitter with the same listeners.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { EventBus } from '../src/common/events/event-bus';
import { AppConfig } from '../src/config/app-config';
import { RunEventsService } from '../src/modules/runtime/run-events.service';
import { RunsService } from '../src/modules/runtime/runs.service';
import {
  asSystem,
  BENCH_SESSION_SECRET,
  type BenchResult,
  benchEnv,
  defaultOrgId,
  percentile,
  round,
  runIfMain,
} from './support';

const RUNS = Number(process.env.BENCH_RUNTIME_RUNS ?? 300);
const SESSIONS = 20;
const SUBSCRIBERS = 100;
const EVENTS = 2000;

async function runsPerSecond(
  ds: DataSource,
  runs: RunsService,
  bus: EventBus,
  orgId: string,
): Promise<{ runsPerSec: number; insertsPerSec: number }> {
  const pending = new Set<string>();
  let finished = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const unsubscribe = bus.subscribe('run.finished', (e) => {
    if (pending.delete(e.runId) || e.sessionKey.startsWith('agent:main:bench-')) finished++;
    if (finished >= RUNS) resolveAll();
  });
  const t0 = performance.now();
  await asSystem(orgId, async () => {
    for (let i = 0; i < RUNS; i++) {
      const { runId } = await runs.start({
        sessionKey: `agent:main:bench-${i % SESSIONS}`,
        message: `message ${i} of the benchmark`,
        source: 'rest',
      });
      pending.add(runId);
    }
  });
  await allDone;
  const runsPerSec = RUNS / ((performance.now() - t0) / 1000);
  unsubscribe();

  const t1 = performance.now();
  for (let i = 0; i < RUNS; i++) {
    await ds.query(
      `INSERT INTO runs (organization_id, session_key, status, source, input, timeout_ms) VALUES ($1, $2, 'succeeded', 'bench', $3::jsonb, 1000)`,
      [orgId, `agent:main:baseline-${i % SESSIONS}`, JSON.stringify({ message: `message ${i}` })],
    );
  }
  const insertsPerSec = RUNS / ((performance.now() - t1) / 1000);
  return { runsPerSec, insertsPerSec };
}

async function fanOutLatency(
  bus: EventBus,
  events: RunEventsService,
  orgId: string,
): Promise<{ service: number; emitter: number }> {
  const measure = (publish: (i: number) => void, subscribe: (onEvent: (i: number) => void) => void) => {
    const sentAt = new Array<number>(EVENTS);
    const latencies: number[] = [];
    let delivered = 0;
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const last = s === SUBSCRIBERS - 1;
      subscribe((i) => {
        delivered++;
        if (last) latencies.push(performance.now() - sentAt[i]);
      });
    }
    for (let i = 0; i < EVENTS; i++) {
      sentAt[i] = performance.now();
      publish(i);
    }
    if (delivered !== EVENTS * SUBSCRIBERS)
      throw new Error(`fan-out lost events: ${delivered}/${EVENTS * SUBSCRIBERS}`);
    latencies.sort((a, b) => a - b);
    return percentile(latencies, 50) * 1000; // µs
  };

  const subs: { unsubscribe(): void }[] = [];
  const service = measure(
    (i) =>
      bus.publish('chat', {
        organizationId: orgId,
        sessionKey: 'agent:main:fanout',
        runId: 'bench',
        payload: {
          runId: 'bench',
          sessionKey: 'agent:main:fanout',
          seq: i,
          state: 'delta',
          deltaText: 'x',
          message: 'x',
        },
      }),
    (onEvent) =>
      subs.push(
        events.subscribe(
          { organizationId: orgId, types: ['chat'] },
          (e) => onEvent(Number((e.payload as any).payload.seq)),
          { maxBuffered: EVENTS + 1 },
        ),
      ),
  );
  subs.forEach((s) => s.unsubscribe());

  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const raw = measure(
    (i) => emitter.emit('chat', { payload: { seq: i } }),
    (onEvent) => emitter.on('chat', (p: { payload: { seq: number } }) => onEvent(p.payload.seq)),
  );
  return { service, emitter: raw };
}

export async function run(): Promise<BenchResult[]> {
  const config = AppConfig.load(
    benchEnv({
      DATA_DIR: 'memory://',
      RUN_QUEUE_MAX_PER_SESSION: String(RUNS),
      SESSION_SECRET: BENCH_SESSION_SECRET,
    }),
  );
  const handle = await createApp(config);
  await handle.app.init();
  try {
    const ds = handle.app.get(DataSource);
    const orgId = await defaultOrgId(ds);
    const bus = handle.app.get(EventBus);
    // Warm-up (ensures the main agent, JIT).
    await asSystem(orgId, async () => {
      const runs = handle.app.get(RunsService);
      const { runId } = await runs.start({
        sessionKey: 'agent:main:warmup',
        message: 'warm up',
        source: 'rest',
      });
      await runs.waitForTerminal(runId, 10_000);
    });
    const { runsPerSec, insertsPerSec } = await runsPerSecond(ds, handle.app.get(RunsService), bus, orgId);
    const latency = await fanOutLatency(bus, handle.app.get(RunEventsService), orgId);
    return [
      {
        name: `runtime: runs/s through echo (${RUNS} runs, ${SESSIONS} sessions, embedded DB)`,
        value: round(runsPerSec),
        unit: 'runs/s',
        baseline: 'raw INSERT INTO runs, same connection',
        baselineValue: round(insertsPerSec),
        ratio: round(runsPerSec / insertsPerSec, 3),
      },
      {
        name: `runtime: chat event fan-out p50 latency to the last of ${SUBSCRIBERS} subscribers`,
        value: round(latency.service),
        unit: 'µs',
        baseline: `bare EventEmitter, ${SUBSCRIBERS} listeners`,
        baselineValue: round(latency.emitter),
        ratio: round(latency.service / Math.max(latency.emitter, 0.001), 3),
      },
    ];
  } finally {
    await handle.shutdown('bench');
  }
}

runIfMain(module, run, (results) => console.table(results));
