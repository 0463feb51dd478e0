import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

/** Larger than any real container limit: cgroup v1 reports "unlimited" as ~2^63. */
const UNLIMITED = 2 ** 60;

export interface MemoryLimit {
  bytes: number;
  source: 'cgroup' | 'heap';
}

function readCgroupLimit(): number | null {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const raw = readFileSync(file, 'utf8').trim();
      if (raw === 'max') return null;
      const bytes = Number(raw);
      if (Number.isFinite(bytes) && bytes > 0 && bytes < UNLIMITED) return bytes;
      return null;
    } catch {
      // not this cgroup version
    }
  }
  return null;
}

let cached: number | null | undefined;

/** The container's memory limit when one is set (read once), else the V8 heap limit. */
export function memoryLimit(): MemoryLimit {
  if (cached === undefined) cached = readCgroupLimit();
  return cached !== null
    ? { bytes: cached, source: 'cgroup' }
    : { bytes: getHeapStatistics().heap_size_limit, source: 'heap' };
}

/** Memory in use against that limit: RSS of the container limit, or heap used of the heap limit. */
export function memoryUsagePercent(): number {
  const limit = memoryLimit();
  const used = limit.source === 'cgroup' ? process.memoryUsage().rss : process.memoryUsage().heapUsed;
  return (used / limit.bytes) * 100;
}
