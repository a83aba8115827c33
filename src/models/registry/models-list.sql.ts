import type { ModelListFilter, ModelListRow, Queryable } from './registry-rows';

const BY_VERSION = `split_part(version, '.', 1)::int DESC, split_part(version, '.', 2)::int DESC, split_part(version, '.', 3)::int DESC`;
/** Per model the version shown: a deployed one (the highest) before any other, else the highest. */
const SHOWN = `SELECT DISTINCT ON (model_id) * FROM model_versions ORDER BY model_id, (status = 'deployed') DESC, ${BY_VERSION}`;
const LATEST = `SELECT DISTINCT ON (model_id) model_id, version, status FROM model_versions ORDER BY model_id, ${BY_VERSION}`;
const DEPLOYED = `SELECT model_id, array_agg(version ORDER BY ${BY_VERSION}) AS versions FROM model_versions WHERE status = 'deployed' GROUP BY model_id`;

/**
 * GET /api/v1/models: filters apply to the version shown; archived versions are left out
 * unless `status` asks for them; `total` counts every match. Newest shown version first.
 */
export async function listModels(q: Queryable, f: ModelListFilter): Promise<{ total: number; rows: ModelListRow[] }> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.type) add('m.type = ?', f.type);
  if (f.name)
    add(
      `m.name ILIKE '%' || ? || '%'`,
      f.name.replace(/[\\%_]/g, (c) => `\\${c}`),
    );
  if (f.status) add('v.status = ?', f.status);
  else where.push(`v.status <> 'archived'`);
  const base = `FROM models m JOIN (${SHOWN}) v ON v.model_id = m.id JOIN (${LATEST}) l ON l.model_id = m.id LEFT JOIN (${DEPLOYED}) d ON d.model_id = m.id
                ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
  const [{ total }] = await q.query<Array<{ total: number }>>(`SELECT count(*)::int AS total ${base}`, params);
  const rows = await q.query<ModelListRow[]>(
    `SELECT m.id, m.name, m.type, v.version, v.status, v.created_at, v.metrics, l.version AS latest_version, l.status AS latest_status, d.versions AS deployed_versions
     ${base} ORDER BY v.created_at DESC, m.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { total, rows };
}
