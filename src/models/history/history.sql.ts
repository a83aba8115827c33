import type { HistoryFilter, HistoryRow, Queryable } from '../registry/registry-rows';
import type { ModelHistoryEvent } from './model-history.entity';

export interface HistoryRecord {
  model_id: string;
  event: ModelHistoryEvent;
  alias?: string | null;
  version?: string | null;
  previous_version?: string | null;
  reason?: string | null;
}

/** SQL of model_history: written inside the caller's transaction, so a change and its record never disagree. */
export async function insertHistory(q: Queryable, r: HistoryRecord): Promise<void> {
  await q.query(
    `INSERT INTO model_history (model_id, event, alias, version, previous_version, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.model_id, r.event, r.alias ?? null, r.version ?? null, r.previous_version ?? null, r.reason ?? null],
  );
}

/** Newest first. */
export async function listHistory(
  q: Queryable,
  modelId: string,
  f: HistoryFilter,
): Promise<{ total: number; rows: HistoryRow[] }> {
  const params: unknown[] = [modelId];
  let where = 'model_id = $1';
  if (f.event) where += ` AND event = $${params.push(f.event)}`;
  if (f.alias) where += ` AND alias = $${params.push(f.alias)}`;
  const [{ total }] = await q.query<Array<{ total: number }>>(
    `SELECT count(*)::int AS total FROM model_history WHERE ${where}`,
    params,
  );
  // id is a bigserial: the driver hands it over as a string.
  const rows = await q.query<Array<Omit<HistoryRow, 'id'> & { id: string }>>(
    `SELECT id, event, alias, version, previous_version, reason, created_at FROM model_history WHERE ${where} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { total, rows: rows.map((r) => ({ ...r, id: Number(r.id) })) };
}
