import { DataSource } from 'typeorm';

export interface PoolStats {
  total: number;
  idle: number;
  in_use: number;
  waiting: number;
  max: number;
}

/** Reads the pg Pool behind a TypeORM DataSource. */
export function poolStats(ds: DataSource): PoolStats {
  const pool = (ds.driver as unknown as { master?: any }).master;
  const total = pool?.totalCount ?? 0;
  const idle = pool?.idleCount ?? 0;
  return { total, idle, in_use: total - idle, waiting: pool?.waitingCount ?? 0, max: pool?.options?.max ?? 0 };
}
