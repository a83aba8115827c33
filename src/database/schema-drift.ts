import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would still need to make the database match the entities, after all
 * migrations ran: empty when entities and migrations agree. This is what
 * `typeorm migration:generate --check` computes.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
