/**
 * The rows an `UPDATE … RETURNING` sent through `DataSource.query` returned. TypeORM answers
 * UPDATE and DELETE with `[rows, rowCount]` on PostgreSQL (so `.length` is always 2) and with
 * the rows alone on some drivers.
 */
export function updatedRows<T = unknown>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return Array.isArray(result) ? (result as T[]) : [];
}
