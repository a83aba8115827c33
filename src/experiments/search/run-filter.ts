import { RUN_STATUSES } from '../entities/run.entity';

/**
 * Run search, MLflow's grammar subset (https://mlflow.org/docs/latest/search-runs.html):
 *
 *   filter   := clause ( AND clause )*
 *   clause   := metrics.<key> (= | != | < | <= | > | >=) <number>
 *             | params.<key> | tags.<key>  (= | != | LIKE | ILIKE) '<string>'
 *             | attributes.status | attributes.run_id  (= | != ) '<string>'  |  (IN | NOT IN) ('a', 'b')
 *             | attributes.run_name  (= | != | LIKE | ILIKE) '<string>'
 *             | attributes.start_time | attributes.end_time  (= | != | < | <= | > | >=) <ms since epoch>
 *   order_by := <metrics.key | params.key | tags.key | attributes.start_time|end_time|run_name|status> [ASC | DESC]
 *
 * Prefixes may be singular (`metric.`, `param.`, `tag.`, `attribute.`, `attr.`, `run.`); an
 * attribute may also be written bare (`status = 'FINISHED'`). A key with spaces or operators is
 * quoted with backticks or double quotes (metrics.`val loss`). Strings are quoted with ' or ".
 *
 * The result is SQL with $n placeholders only: keys and values are always parameters, and the
 * operator comes from a fixed list, so nothing a caller writes is concatenated into SQL.
 * Problems throw FilterSyntaxError naming the position (0-based character offset).
 */
export class FilterSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
    readonly field: 'filter' | 'order_by' = 'filter',
  ) {
    super(`Invalid ${field} at position ${position}: ${reason}`);
    this.name = 'FilterSyntaxError';
  }
}

export type Entity = 'metrics' | 'params' | 'tags' | 'attributes';
export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  entity: Entity;
  key: string;
  op: Comparator;
  value: number | string | string[];
}

export interface OrderTerm {
  entity: Entity;
  key: string;
  direction: 'ASC' | 'DESC';
}

const MAX_FILTER_LENGTH = 4000;
/** start_time/end_time operands: years 1 to 9999 in ms since the epoch. */
const MIN_TIME_MS = -62135596800000;
const MAX_TIME_MS = 253402300799999;
const MAX_CLAUSES = 50;
const ENTITY_ALIASES: Record<string, Entity> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
};
const ATTRIBUTE_ALIASES: Record<string, string> = {
  status: 'status',
  run_name: 'run_name',
  name: 'run_name',
  run_id: 'run_id',
  run_uuid: 'run_id',
  id: 'run_id',
  start_time: 'start_time',
  end_time: 'end_time',
  created: 'start_time',
};
/** A user-typed name looked up in a table: own keys only (`__proto__`, `constructor` are not names). */
function lookup<V>(table: Record<string, V>, name: string): V | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
const NUMERIC_OPS: Comparator[] = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const SET_OPS: Comparator[] = ['=', '!=', 'IN', 'NOT IN'];

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly field: 'filter' | 'order_by',
  ) {}

  fail(reason: string, at = this.pos): never {
    throw new FilterSyntaxError(at, reason, this.field);
  }
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
  peekWord(): string {
    this.skipSpace();
    const m = /^[A-Za-z_]+/.exec(this.text.slice(this.pos));
    return m ? m[0] : '';
  }
  keyword(word: string): boolean {
    this.skipSpace();
    const slice = this.text.slice(this.pos, this.pos + word.length);
    const after = this.text[this.pos + word.length];
    if (slice.toUpperCase() === word && (after === undefined || !/[A-Za-z0-9_]/.test(after))) {
      this.pos += word.length;
      return true;
    }
    return false;
  }
  quoted(): string {
    const quote = this.text[this.pos];
    const start = this.pos;
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '\\' && this.pos + 1 < this.text.length) {
        out += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === quote) {
        if (this.text[this.pos + 1] === quote) {
          out += quote;
          this.pos += 2;
          continue;
        }
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
    return this.fail(`unterminated quoted text starting with ${quote}`, start);
  }

  identifier(): { entity: Entity; key: string; at: number } {
    this.skipSpace();
    const at = this.pos;
    const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!head)
      this.fail('expected an identifier such as metrics.val_loss, params.architecture, tags.team or attributes.status');
    this.pos += head[0].length;
    if (this.text[this.pos] !== '.') {
      const attr = lookup(ATTRIBUTE_ALIASES, head[0].toLowerCase());
      if (!attr)
        this.fail(`unknown identifier "${head[0]}": prefix it with metrics., params., tags. or attributes.`, at);
      return { entity: 'attributes', key: attr, at };
    }
    const entity = lookup(ENTITY_ALIASES, head[0].toLowerCase());
    if (!entity) this.fail(`unknown entity "${head[0]}": use metrics, params, tags or attributes`, at);
    this.pos++; // the dot
    let key: string;
    const c = this.text[this.pos];
    if (c === '`' || c === '"') key = this.quoted();
    else {
      const m = /^[A-Za-z0-9_\-./:]+/.exec(this.text.slice(this.pos));
      if (!m) this.fail(`expected a key after "${head[0]}."`);
      key = m[0];
      this.pos += key.length;
    }
    if (!key.length || key.length > 250) this.fail('a key must have 1 to 250 characters', at);
    if (entity === 'attributes') {
      const attr = lookup(ATTRIBUTE_ALIASES, key.toLowerCase());
      if (!attr) this.fail(`unknown attribute "${key}": use status, run_name, run_id, start_time or end_time`, at);
      key = attr;
    }
    return { entity, key, at };
  }

  comparator(): Comparator {
    this.skipSpace();
    const at = this.pos;
    const sym = /^(<=|>=|!=|<>|==|=|<|>)/.exec(this.text.slice(this.pos));
    if (sym) {
      this.pos += sym[0].length;
      return sym[0] === '<>' ? '!=' : sym[0] === '==' ? '=' : (sym[0] as Comparator);
    }
    if (this.keyword('LIKE')) return 'LIKE';
    if (this.keyword('ILIKE')) return 'ILIKE';
    if (this.keyword('IN')) return 'IN';
    if (this.keyword('NOT')) {
      if (this.keyword('IN')) return 'NOT IN';
      this.fail('expected IN after NOT');
    }
    return this.fail('expected a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)', at);
  }

  number(): number {
    this.skipSpace();
    const m = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a number');
    const after = this.text[this.pos + m[0].length];
    if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) this.fail('expected a number');
    const value = Number(m[0]);
    if (!Number.isFinite(value)) this.fail('the number is out of range');
    this.pos += m[0].length;
    return value;
  }

  string(): string {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c !== "'" && c !== '"') this.fail('expected a quoted string');
    return this.quoted();
  }

  stringList(): string[] {
    this.skipSpace();
    if (this.text[this.pos] !== '(') this.fail("expected a parenthesised list such as ('FINISHED', 'FAILED')");
    this.pos++;
    const out: string[] = [];
    for (;;) {
      out.push(this.string());
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      if (this.text[this.pos] === ')') {
        this.pos++;
        break;
      }
      this.fail("expected ',' or ')'");
    }
    if (out.length > 100) this.fail('at most 100 values in a list');
    return out;
  }
}

/** Whether a LIKE pattern ends with an unpaired backslash (its escape character). */
export function endsWithLoneBackslash(pattern: string): boolean {
  return /(?<!\\)(?:\\\\)*\\$/.test(pattern);
}

/** Parse a filter string ('' or undefined = no condition). */
export function parseFilter(text: string | undefined | null): Clause[] {
  if (text === undefined || text === null || !text.trim()) return [];
  if (typeof text !== 'string') throw new FilterSyntaxError(0, 'the filter must be a string');
  if (text.length > MAX_FILTER_LENGTH)
    throw new FilterSyntaxError(MAX_FILTER_LENGTH, `the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const s = new Scanner(text, 'filter');
  const clauses: Clause[] = [];
  for (;;) {
    const { entity, key, at } = s.identifier();
    const opAt = (s.skipSpace(), s.pos);
    const op = s.comparator();
    const allowed =
      entity === 'metrics'
        ? NUMERIC_OPS
        : entity !== 'attributes'
          ? STRING_OPS
          : key === 'start_time' || key === 'end_time'
            ? NUMERIC_OPS
            : key === 'run_name'
              ? STRING_OPS
              : SET_OPS;
    if (!allowed.includes(op))
      s.fail(`operator ${op} cannot be used with ${entity}.${key} (allowed: ${allowed.join(', ')})`, opAt);
    let value: Clause['value'];
    if (entity === 'attributes' && (key === 'start_time' || key === 'end_time')) {
      const valueAt = (s.skipSpace(), s.pos);
      value = s.number();
      // PostgreSQL's to_timestamp fails ("timestamp out of range", a 500) far outside this.
      if (value < MIN_TIME_MS || value > MAX_TIME_MS)
        s.fail(
          `${key} must be milliseconds since the epoch between ${MIN_TIME_MS} (year 1) and ${MAX_TIME_MS} (year 9999)`,
          valueAt,
        );
    } else if (entity === 'metrics') value = s.number();
    else if (op === 'IN' || op === 'NOT IN') value = s.stringList();
    else {
      const valueAt = (s.skipSpace(), s.pos);
      value = s.string();
      // PostgreSQL refuses such a pattern ("LIKE pattern must not end with escape character", a 500).
      if ((op === 'LIKE' || op === 'ILIKE') && endsWithLoneBackslash(value))
        s.fail('a LIKE pattern must not end with a single backslash (the escape character)', valueAt);
    }
    if (entity === 'attributes' && key === 'status') {
      for (const v of Array.isArray(value) ? value : [value as string]) {
        if (!(RUN_STATUSES as readonly string[]).includes(v))
          s.fail(`unknown status '${v}' (use ${RUN_STATUSES.join(', ')})`, at);
      }
    }
    clauses.push({ entity, key, op, value });
    if (clauses.length > MAX_CLAUSES) s.fail(`at most ${MAX_CLAUSES} conditions`);
    if (s.atEnd()) return clauses;
    if (!s.keyword('AND'))
      s.fail(
        s.peekWord().toUpperCase() === 'OR'
          ? 'OR is not supported; join conditions with AND'
          : 'expected AND or the end of the filter',
      );
  }
}

/** Parse order_by terms: each `<identifier> [ASC|DESC]` (one term per entry; commas also separate). */
export function parseOrderBy(terms: string | string[] | undefined | null): OrderTerm[] {
  const list = terms === undefined || terms === null ? [] : Array.isArray(terms) ? terms : [terms];
  const out: OrderTerm[] = [];
  for (const term of list) {
    if (typeof term !== 'string') throw new FilterSyntaxError(0, 'order_by entries must be strings', 'order_by');
    if (!term.trim()) continue;
    if (term.length > 1000)
      throw new FilterSyntaxError(1000, 'an order_by term is longer than 1000 characters', 'order_by');
    const s = new Scanner(term, 'order_by');
    for (;;) {
      const { entity, key, at } = s.identifier();
      if (entity === 'attributes' && key === 'run_id') s.fail('cannot order by run_id', at);
      let direction: 'ASC' | 'DESC' = entity === 'attributes' && key === 'start_time' ? 'DESC' : 'ASC';
      if (s.keyword('ASC')) direction = 'ASC';
      else if (s.keyword('DESC')) direction = 'DESC';
      out.push({ entity, key, direction });
      if (out.length > 10) s.fail('at most 10 order_by terms');
      if (s.atEnd()) break;
      s.skipSpace();
      if (s.text[s.pos] !== ',') s.fail("expected ASC, DESC, ',' or the end of the term");
      s.pos++;
    }
  }
  return out;
}

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  status: 'r.status',
  run_name: 'r.name',
  run_id: 'r.id::text',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};
const SQL_OPS: Record<Comparator, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  LIKE: 'LIKE',
  ILIKE: 'ILIKE',
  IN: 'IN',
  'NOT IN': 'NOT IN',
};

/**
 * SQL conditions for `clauses` over the alias `r` (the runs table), appending their parameters
 * to `params` (so placeholders continue from whatever the caller already bound).
 */
export function filterToSql(clauses: Clause[], params: unknown[]): string[] {
  const bind = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  return clauses.map((c) => {
    const op = SQL_OPS[c.op];
    if (c.entity === 'metrics')
      return `(r.metrics ->> ${bind(c.key)})::double precision ${op} ${bind(c.value)}::double precision`;
    if (c.entity === 'params' || c.entity === 'tags')
      return `(r.${c.entity} ->> ${bind(c.key)}) ${op} ${bind(c.value)}::text`;
    const column = ATTRIBUTE_COLUMNS[c.key];
    if (c.key === 'start_time' || c.key === 'end_time')
      return `${column} ${op} to_timestamp(${bind(c.value)}::double precision / 1000)`;
    if (Array.isArray(c.value)) return `${column} ${op} (${c.value.map((v) => `${bind(v)}::text`).join(', ')})`;
    return `${column} ${op} ${bind(c.value)}::text`;
  });
}

/** ORDER BY terms (nulls last, as MLflow orders them), then newest first. */
export function orderToSql(terms: OrderTerm[], params: unknown[]): string {
  const bind = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts = terms.map((t) => {
    const expr =
      t.entity === 'metrics'
        ? `(r.metrics ->> ${bind(t.key)})::double precision`
        : t.entity === 'params' || t.entity === 'tags'
          ? `(r.${t.entity} ->> ${bind(t.key)})`
          : ATTRIBUTE_COLUMNS[t.key];
    return `${expr} ${t.direction} NULLS LAST`;
  });
  return [...parts, 'r.start_time DESC', 'r.id ASC'].join(', ');
}
