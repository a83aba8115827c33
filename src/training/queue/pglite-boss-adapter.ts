import type { DataSource } from 'typeorm';

/**
 * pg-boss's database interface over TypeORM's single pooled connection to the embedded
 * PGlite. Each call borrows that connection (waiting its turn behind application queries)
 * and runs on the raw pg client: `ds.query()` would reshape results, and a second PGlite
 * session does not exist. A failed statement is followed by ROLLBACK so an aborted
 * transaction of pg-boss's never leaks into the next borrower.
 */
/** What the raw pg client answers: one result, or one per statement of a multi-statement text. */
type RawResult = { rows?: unknown[] } | Array<{ rows?: unknown[] }>;

export function pgliteBossDatabase(dataSource: DataSource) {
  return {
    async executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
      const runner = dataSource.createQueryRunner();
      const client = (await runner.connect()) as { query: (text: string, values?: unknown[]) => Promise<RawResult> };
      try {
        const result = await client.query(text, values);
        // A multi-statement text answers one result per statement; pg-boss expects the rows
        // of every statement, in order.
        return {
          rows: Array.isArray(result) ? result.flatMap((r) => r.rows ?? []) : (result.rows ?? []),
        };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        await runner.release();
      }
    },
  };
}
