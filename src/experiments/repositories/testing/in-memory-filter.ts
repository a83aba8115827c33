import type { Run } from '../../entities/run.entity';
import type { Clause, OrderTerm } from '../../search/run-filter';

/**
 * MLflow's run filter (search/run-filter.ts) evaluated on runs in memory, with the SQL's
 * semantics: a run without the metric, param or tag (NULL) matches no comparison, `!=` included.
 */
export function matchesClause(run: Run, c: Clause): boolean {
  const actual = attributeOf(run, c);
  if (actual === null) return false;
  if (c.op === 'IN' || c.op === 'NOT IN') {
    const list = Array.isArray(c.value) ? c.value : [String(c.value)];
    return list.includes(String(actual)) === (c.op === 'IN');
  }
  if (c.op === 'LIKE' || c.op === 'ILIKE') return likeToRegExp(String(c.value), c.op === 'ILIKE').test(String(actual));
  const expected = typeof actual === 'number' ? Number(c.value) : String(c.value);
  switch (c.op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
  }
}

/** The value a clause or an order term reads: numbers for metrics and times (ms), else text; null when absent. */
function attributeOf(run: Run, t: { entity: Clause['entity']; key: string }): string | number | null {
  if (t.entity === 'metrics') {
    const v = Object.hasOwn(run.metrics, t.key) ? run.metrics[t.key] : undefined;
    return typeof v === 'number' ? v : null;
  }
  if (t.entity === 'params' || t.entity === 'tags') {
    const map = t.entity === 'params' ? run.params : run.tags;
    return Object.hasOwn(map, t.key) ? map[t.key] : null;
  }
  switch (t.key) {
    case 'status':
      return run.status;
    case 'run_name':
      return run.name;
    case 'run_id':
      return run.id;
    case 'start_time':
      return run.start_time.getTime();
    case 'end_time':
      return run.end_time ? run.end_time.getTime() : null;
    default:
      throw new Error(`unknown attribute ${t.key}`);
  }
}

export function orderValue(run: Run, t: OrderTerm): string | number | null {
  return attributeOf(run, t);
}

/** A LIKE pattern as a RegExp: `%` any run, `_` one character, `\` escapes the next one. */
export function likeToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) out += escapeRegExp(pattern[++i]);
    else if (ch === '%') out += '[\\s\\S]*';
    else if (ch === '_') out += '[\\s\\S]';
    else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`, ignoreCase ? 'i' : '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
