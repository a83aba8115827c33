import { DataValidationError } from '../../common/errors/app-error';
import type { ExperimentCondition, ExperimentOrderTerm, Lifecycle } from '../experiments.types';
import { endsWithLoneBackslash } from '../search/run-filter';

/**
 * Reading MLflow's request fields (REST API 2.0): required and optional values with MLflow's
 * error messages (400 INVALID_PARAMETER_VALUE), page tokens, view types, and the
 * experiments/search filter and order_by.
 */
export type Body = Record<string, unknown>;
export type KV = { key: string; value: string };

const VIEW_TYPES: Record<string, Lifecycle> = {
  ACTIVE_ONLY: 'active',
  DELETED_ONLY: 'deleted',
  ALL: 'all',
  '1': 'active',
  '2': 'deleted',
  '3': 'all',
};

export function invalid(message: string): DataValidationError {
  return new DataValidationError(message, null, 'INVALID_PARAMETER_VALUE');
}

export function requiredString(o: Body, field: string, label = field): string {
  const v = o[field];
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v === '') throw invalid(`Missing value for required parameter '${label}'`);
  return v;
}

/** A param or tag value: a string (MLflow clients send numbers as strings; a number is accepted and stringified). */
export function stringValue(o: Body, field: string): string {
  const v = o[field];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`Missing value for required parameter '${field}'`);
}

export function optionalString(o: Body, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`Invalid value for parameter '${field}': expected a string`);
  return v;
}

export function optionalInt<T extends number | undefined>(
  o: Body,
  field: string,
  fallback: T,
  min: number,
  max: number,
): number | T {
  let v = o[field];
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) v = Number(v); // int64 arrives as a string from proto-JSON clients and from query strings
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw invalid(
      `Invalid value ${JSON.stringify(o[field])} for parameter '${field}': expected an integer from ${min} to ${max}`,
    );
  return v;
}

export function runId(o: Body): string {
  const v = o.run_id ?? o.run_uuid;
  if (typeof v !== 'string' || !v) throw invalid("Missing value for required parameter 'run_id'");
  return v;
}

export function list(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`Invalid value for parameter '${field}': expected a list`);
  return v;
}

export function kvList(v: unknown, field: string): KV[] {
  return list(v, field).map((item, i) => {
    if (!item || typeof item !== 'object') throw invalid(`${field}[${i}] must be an object {key, value}`);
    const o = item as Body;
    return { key: requiredString(o, 'key', `${field}[${i}].key`), value: stringValue(o, 'value') };
  });
}

export function viewType(v: unknown): Lifecycle {
  if (v === undefined || v === null || v === '') return 'active';
  // A view type is a name or a number; anything else (an object, a list) names none.
  const found = typeof v === 'string' || typeof v === 'number' ? VIEW_TYPES[String(v).toUpperCase()] : undefined;
  if (!found) throw invalid(`Invalid value ${JSON.stringify(v)} for view type: use ACTIVE_ONLY, DELETED_ONLY or ALL`);
  return found;
}

export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

export function pageOffset(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  // Our tokens are strings (a number is read as its digits); anything else is no token of ours.
  if (typeof token !== 'string' && typeof token !== 'number') throw invalid('Invalid page token');
  try {
    const { offset } = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 && offset <= 10_000_000)
      return offset;
  } catch {
    /* fall through */
  }
  throw invalid('Invalid page token');
}

/** experiments/search filter: `name = 'x'`, `name LIKE 'x%'`, `tags.key = 'v'` … joined by AND. */
export function parseExperimentFilter(filter: string | undefined): ExperimentCondition[] {
  if (!filter || !filter.trim()) return [];
  if (filter.length > 2000) throw invalid('Invalid filter: longer than 2000 characters');
  const conditions: ExperimentCondition[] = [];
  const clause =
    /^\s*(?:(?:attributes?|attr)\.)?(?:(name)|tags?\.(?:`([^`]+)`|"([^"]+)"|([\w.\-/: ]+?)))\s*(=|!=|<>|\bLIKE\b|\bILIKE\b)\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)")\s*(?:\bAND\b|$)/i;
  let rest = filter;
  while (rest.trim()) {
    const m = clause.exec(rest);
    if (!m)
      throw invalid(
        `Invalid filter at position ${filter.length - rest.length}: expected name = '…', name LIKE '…' or tags.<key> = '…', joined by AND`,
      );
    const op = (m[5].toUpperCase() === '<>' ? '!=' : m[5].toUpperCase()) as '=' | '!=' | 'LIKE' | 'ILIKE';
    const value = m[6] !== undefined ? m[6].replace(/''/g, "'") : m[7].replace(/""/g, '"');
    // PostgreSQL refuses such a pattern ("LIKE pattern must not end with escape character", a 500).
    if ((op === 'LIKE' || op === 'ILIKE') && endsWithLoneBackslash(value))
      throw invalid(
        `Invalid filter at position ${filter.length - rest.length}: a LIKE pattern must not end with a single backslash (the escape character)`,
      );
    conditions.push(m[1] ? { column: 'name', op, value } : { column: 'tag', key: m[2] ?? m[3] ?? m[4], op, value });
    rest = rest.slice(m[0].length);
  }
  return conditions;
}

export function experimentOrder(v: unknown): ExperimentOrderTerm[] {
  const terms: unknown[] = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  return terms.map((t) => {
    const m =
      typeof t === 'string'
        ? /^\s*(?:attributes?\.)?(name|experiment_id|creation_time|last_update_time)\s*(ASC|DESC)?\s*$/i.exec(t)
        : null;
    if (!m)
      throw invalid(
        `Invalid order_by clause ${JSON.stringify(t)}: use name, experiment_id, creation_time or last_update_time, optionally ASC or DESC`,
      );
    return {
      field: m[1].toLowerCase() as ExperimentOrderTerm['field'],
      direction: (m[2] ?? 'ASC').toUpperCase() as ExperimentOrderTerm['direction'],
    };
  });
}
