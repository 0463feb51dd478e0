import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/** Maps rows of raw SQL (`RETURNING *`, snake_case columns) onto entity instances. */
export function fromRaw<T extends ObjectLiteral>(ds: DataSource, entity: EntityTarget<T>, raw: Record<string, unknown>): T {
  const meta = ds.getMetadata(entity);
  const out = meta.create() as Record<string, unknown>;
  for (const column of meta.columns) {
    if (column.databaseName in raw) out[column.propertyName] = raw[column.databaseName];
  }
  return out as T;
}

/** `UPDATE … RETURNING` through DataSource.query answers [rows, count] on postgres. */
export function returnedRows(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as Record<string, unknown>[];
  }
  return (result as Record<string, unknown>[]) ?? [];
}
