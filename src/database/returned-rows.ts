/**
 * Rows of an `UPDATE/DELETE … RETURNING` run through `query()`: TypeORM's
 * postgres driver answers `[rows, affectedCount]` for those, plain rows for SELECT.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return (result as T[]) ?? [];
}

export async function returnedIds(result: Promise<unknown>): Promise<string[]> {
  return returnedRows<{ id: string }>(await result).map((r) => r.id);
}
