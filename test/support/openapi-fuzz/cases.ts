import * as fc from 'fast-check';
import { encodeComponent, type WireRequest } from './client';
import { type OpenApiDoc, type Operation, type Param, type Slot, slotsOf, withValueAt } from './openapi';
import {
  badValuesFor,
  describe,
  FILTER_STRINGS,
  MONSTERS,
  ODD_STRINGS,
  PATH_VALUES,
  QUERY_VALUES,
  RAW_BODIES,
  RAW_QUERY_VALUES,
  Raw,
  toJsonText,
  WRONG_TYPES,
} from './values';

export type Auth = 'key' | 'none' | 'wrong' | 'bearer-wrong';

/** One fuzz request, before it is written on the wire. */
export interface Case {
  op: Operation;
  label: string;
  auth: Auth;
  /** placeholder → the segment as written on the wire. */
  path: Record<string, string>;
  /** name=value pairs as written on the wire (already encoded). */
  query: Array<[string, string]>;
  body?: { text: string | Buffer; contentType: string };
}

/** What the suite knows about the seeded state: a valid value for each path and query parameter. */
export interface Context {
  doc: OpenApiDoc;
  apiKey: string;
  /** A valid, existing value for {placeholder} of this operation (a seeded id…). */
  validPath: (op: Operation, placeholder: string) => string;
  /** A valid value for a query parameter, or undefined to leave an optional one out. */
  validQuery: (op: Operation, param: Param) => string | undefined;
  /** The body a request of this operation starts from before it is broken. */
  baseBody: (op: Operation) => unknown;
  /** Values (seeded ids…) worth putting into free-form bodies, per operation. */
  freeFormValues: (op: Operation) => unknown[];
}

/** Field names tried in free-form bodies (`{"type": "object", "additionalProperties": true}`, the MLflow API). */
export const FREE_FORM_FIELDS = [
  'experiment_id',
  'experiment_ids',
  'experiment_name',
  'name',
  'new_name',
  'run_id',
  'run_uuid',
  'run_name',
  'key',
  'value',
  'timestamp',
  'step',
  'status',
  'start_time',
  'end_time',
  'tags',
  'metrics',
  'params',
  'filter',
  'max_results',
  'page_token',
  'order_by',
  'view_type',
  'run_view_type',
  'metric_key',
  'artifact_location',
  '__proto__',
  'constructor',
];

/** Query names tried on every operation beside the documented ones (undocumented ones are read too: MLflow's GETs). */
export const EXTRA_QUERY_NAMES = [
  'experiment_id',
  'experiment_name',
  'run_id',
  'metric_key',
  'max_results',
  'page_token',
  'filter',
  'order_by',
  'view_type',
  'limit',
  'offset',
  'zzz_unknown',
  '__proto__',
  'constructor[prototype][polluted]',
  'a[b]',
];

const bodyText = (value: unknown) => toJsonText(value);

/** The wire form of a case. */
export function toWire(c: Case, ctx: Context): WireRequest {
  let path = c.op.path;
  for (const { placeholder } of c.op.placeholders) path = path.replace(`{${placeholder}}`, c.path[placeholder] ?? '');
  if (c.query.length) path += `?${c.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
  const headers: Record<string, string> = {};
  if (c.auth === 'key') headers['x-api-key'] = ctx.apiKey;
  if (c.auth === 'wrong') headers['x-api-key'] = `${ctx.apiKey}-wrong`;
  if (c.auth === 'bearer-wrong') headers.authorization = 'Bearer not-the-key';
  if (c.body) {
    if (c.body.contentType) headers['content-type'] = c.body.contentType;
    return { method: c.op.method, path, headers, body: c.body.text };
  }
  return { method: c.op.method, path, headers };
}

/** A one-line description of a case for failure messages. */
export function describeCase(c: Case): string {
  let path = c.op.path;
  for (const { placeholder } of c.op.placeholders) path = path.replace(`{${placeholder}}`, c.path[placeholder] ?? '');
  const q = c.query.map(([k, v]) => `${k}=${v.length > 60 ? `${v.slice(0, 50)}…(${v.length})` : v}`).join('&');
  const body = c.body
    ? ` body(${c.body.contentType || 'no content-type'})=${typeof c.body.text === 'string' ? (c.body.text.length > 200 ? `${c.body.text.slice(0, 180)}…(${c.body.text.length} chars)` : c.body.text) : `<${c.body.text.length} bytes>`}`
    : '';
  return `[${c.label}] ${c.op.method} ${path.length > 200 ? `${path.slice(0, 180)}…` : path}${q ? `?${q}` : ''}${body} auth=${c.auth}`;
}

/** Valid path segments and the required query parameters, the starting point of every case. */
function validParts(op: Operation, ctx: Context): Pick<Case, 'path' | 'query'> {
  const path: Record<string, string> = {};
  for (const { placeholder } of op.placeholders) path[placeholder] = ctx.validPath(op, placeholder);
  const query: Array<[string, string]> = [];
  for (const p of op.query) {
    const v = ctx.validQuery(op, p);
    if (v !== undefined && p.required) query.push([p.name, encodeComponent(v)]);
  }
  return { path, query };
}

/** The request of an operation with every parameter valid (its base body, if it has one). */
export function validCase(op: Operation, ctx: Context): Case {
  return {
    op,
    label: 'valid',
    auth: 'key',
    ...validParts(op, ctx),
    body: op.body ? jsonBody(op, ctx.baseBody(op)) : undefined,
  };
}

function jsonBody(op: Operation, value: unknown): Case['body'] {
  if (!op.body) return undefined;
  return {
    text: !op.body.contentType.includes('json') && typeof value === 'string' ? value : bodyText(value),
    contentType: op.body.contentType,
  };
}

/**
 * Operations whose valid-looking requests would still change stored state and that have no
 * body to break: their cases always carry at least one required input that cannot match
 * anything (an unknown id, a symbol that is not a pair), so nothing seeded is deleted.
 */
function needsBrokenTarget(op: Operation): boolean {
  return op.mutating && !op.body;
}

const NASTY_QUERY_FOR_TARGET = encodeComponent('../../etc/passwd');

function breakTarget(op: Operation, c: Pick<Case, 'path' | 'query'>, seed: number, fuzzedQuery?: string): void {
  if (!needsBrokenTarget(op)) return;
  if (op.placeholders.length) {
    const alreadyBroken = op.placeholders.some(
      ({ placeholder }) => c.path[placeholder] !== undefined && PATH_VALUES.includes(c.path[placeholder]),
    );
    if (!alreadyBroken) {
      const { placeholder } = op.placeholders[seed % op.placeholders.length];
      c.path[placeholder] = PATH_VALUES[seed % PATH_VALUES.length];
    }
    return;
  }
  const required = op.query.filter((p) => p.required);
  if (required.length && required[0].name !== fuzzedQuery) {
    const target = required[0].name;
    const i = c.query.findIndex(([k]) => k === target);
    if (i >= 0) c.query[i] = [target, NASTY_QUERY_FOR_TARGET];
  }
}

/** The deterministic cases of one operation: auth, every path parameter and query parameter against the hostile lists, whole bodies, every body slot. */
export function deterministicCases(op: Operation, ctx: Context): Case[] {
  const out: Case[] = [];
  const base = op.body ? ctx.baseBody(op) : undefined;
  const withBase = (
    label: string,
    parts: Pick<Case, 'path' | 'query'>,
    auth: Auth = 'key',
    body = jsonBody(op, base),
  ): Case => ({ op, label, auth, ...parts, body });
  const isApi = op.path.startsWith('/api/');

  // Authentication: without the key, with a wrong one (both headers).
  for (const auth of (isApi ? ['none', 'wrong', 'bearer-wrong'] : ['none']) as Auth[]) {
    const parts = validParts(op, ctx);
    breakTarget(op, parts, 0);
    out.push(withBase(`auth ${auth}`, parts, auth));
  }

  // Path parameters: traversal, encodings, SQL, huge and negative numbers, empty.
  op.placeholders.forEach(({ placeholder }) => {
    for (const v of PATH_VALUES) {
      const parts = validParts(op, ctx);
      parts.path[placeholder] = v;
      out.push(withBase(`path ${placeholder}`, parts));
    }
  });

  // Query parameters: each documented one (and a few undocumented) against the hostile values; required ones left out; repeated.
  // Undocumented names: all of them on GETs without documented parameters (MLflow's GETs read
  // theirs from the query), two elsewhere; each with a sample of the values (the random phase mixes in more).
  const extra = !op.mutating && !op.query.length ? EXTRA_QUERY_NAMES : EXTRA_QUERY_NAMES.slice(-4, -2);
  const names = [...op.query.map((p) => p.name), ...extra];
  let n = 0;
  for (const name of names) {
    const values = [
      ...QUERY_VALUES.map(encodeComponent),
      ...RAW_QUERY_VALUES,
      ...(/filter|order_by/.test(name) ? FILTER_STRINGS.map(encodeComponent) : []),
    ];
    for (const v of op.query.some((p) => p.name === name) ? values : values.filter((_, i) => i % 6 === n % 6)) {
      const parts = validParts(op, ctx);
      parts.query = parts.query.filter(([k]) => k !== name);
      parts.query.push([name, v]);
      breakTarget(op, parts, n++, name);
      out.push(withBase(`query ${name}`, parts));
    }
    const parts = validParts(op, ctx);
    parts.query.push([name, '1'], [name, '2']);
    breakTarget(op, parts, n++);
    out.push(withBase(`query ${name} repeated`, parts));
  }
  for (const p of op.query.filter((q) => q.required)) {
    const parts = validParts(op, ctx);
    parts.query = parts.query.filter(([k]) => k !== p.name);
    breakTarget(op, parts, n++, p.name);
    out.push(withBase(`query ${p.name} missing`, parts));
  }

  if (!op.body) return out;

  // Whole bodies: not JSON, not an object, raw NaN/Infinity tokens, monsters, wrong content types.
  for (const raw of RAW_BODIES) {
    out.push({
      op,
      label: `body ${raw.label}`,
      auth: 'key',
      ...validParts(op, ctx),
      body: { text: raw.text, contentType: raw.contentType ?? op.body.contentType },
    });
  }
  if (!op.body.contentType.includes('json')) return out;
  out.push({ op, label: 'body missing', auth: 'key', ...validParts(op, ctx) });

  // Every slot of the body schema: a wrong type, raw NaN, a monster, an odd string; required ones left out; an unknown field.
  const slots = slotsOf(ctx.doc, op.body.schema, [], 0, base);
  if (!slots.length && /search/.test(op.path)) {
    // Free-form search bodies (MLflow's): the filter and order_by grammars with hostile operands.
    const ids = ctx.freeFormValues(op).slice(0, 1);
    for (const f of FILTER_STRINGS) {
      out.push(withBase('search filter', validParts(op, ctx), 'key', jsonBody(op, { experiment_ids: ids, filter: f })));
      out.push(
        withBase('search order_by', validParts(op, ctx), 'key', jsonBody(op, { experiment_ids: ids, order_by: [f] })),
      );
    }
  }
  slots.forEach((slot, i) => {
    const bad = badValuesFor(slot.schema);
    // Each monster once per operation, in a different slot (they cost up to a second each).
    const picks = [
      bad[0],
      new Raw('NaN', 'NaN'),
      ODD_STRINGS[i % ODD_STRINGS.length],
      bad[(i * 7 + 3) % bad.length],
      ...(i < MONSTERS.length ? [MONSTERS[i]] : []),
    ];
    // Text a database cannot hold, in every string field: NUL, lone high and low surrogates.
    if (slot.schema.type === 'string' && !slot.schema.enum) picks.push('a\u0000b', '\ud800', 'x\udfffy');
    for (const v of picks)
      out.push(
        withBase(
          `slot ${slot.path.join('.')} = ${describe(v)}`,
          validParts(op, ctx),
          'key',
          jsonBody(op, withValueAt(ctx.doc, op.body!.schema, base, slot.path, v)),
        ),
      );
    if (slot.required)
      out.push(
        withBase(
          `slot ${slot.path.join('.')} missing`,
          validParts(op, ctx),
          'key',
          jsonBody(op, withValueAt(ctx.doc, op.body!.schema, base, slot.path, undefined, true)),
        ),
      );
  });
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    out.push(withBase('unknown field', validParts(op, ctx), 'key', jsonBody(op, { ...base, zzz_unknown: 1 })));
    out.push(
      withBase('__proto__ field', validParts(op, ctx), 'key', {
        text: bodyText(base).replace(/^\{/, '{"__proto__":{"polluted":"yes"},'),
        contentType: op.body.contentType,
      }),
    );
  }
  return out;
}

/** Random JSON values: hostile leaves, nested a little (the monsters cover depth). */
const leaf = fc.oneof(
  fc.constantFrom(...ODD_STRINGS.filter((s) => s.length < 1000), ...WRONG_TYPES),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(new Raw('NaN', 'NaN'), new Raw('Infinity', 'Infinity'), new Raw('-1e400', '-1e400')),
);
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FREE_FORM_FIELDS), fc.string({ maxLength: 12 })), tie('node'), {
      maxKeys: 4,
    }),
  ),
})).node;

/**
 * Random cases of one operation (fast-check): hostile path segments and query values
 * mixed with valid ones, bodies with one to three slots broken (or free-form bodies for
 * untyped schemas), random JSON, raw bodies; about one in ten without the API key.
 */
export function randomCaseArbitrary(op: Operation, ctx: Context): fc.Arbitrary<Case> {
  const base = op.body ? ctx.baseBody(op) : undefined;
  const slots: Slot[] = op.body ? slotsOf(ctx.doc, op.body.schema, [], 0, base) : [];
  const queryNames = [...op.query.map((p) => p.name), ...EXTRA_QUERY_NAMES];
  const queryValue = fc.oneof(
    fc.constantFrom(...QUERY_VALUES, ...FILTER_STRINGS).map(encodeComponent),
    fc.constantFrom(...RAW_QUERY_VALUES),
    fc.string({ unit: 'binary', maxLength: 30 }).map(encodeComponent),
  );
  const free = [
    ...ctx.freeFormValues(op),
    ...ODD_STRINGS.filter((s) => s.length < 1000),
    ...FILTER_STRINGS,
    [FILTER_STRINGS[0]],
    ...WRONG_TYPES,
    ...MONSTERS.slice(0, 3),
    new Raw('NaN', 'NaN'),
  ];
  const jsonish = op.body?.contentType.includes('json') ?? false;

  const bodyArb: fc.Arbitrary<{ label: string; body: Case['body'] } | null> = !op.body
    ? fc.constant(null)
    : fc.oneof(
        {
          weight: jsonish && slots.length ? 5 : 0,
          arbitrary: fc
            .array(fc.tuple(fc.nat(Math.max(0, slots.length - 1)), fc.nat(), fc.nat(9)), { minLength: 1, maxLength: 3 })
            .map((muts) => {
              let body = base;
              const labels: string[] = [];
              for (const [si, vi, mode] of muts) {
                const slot = slots[si];
                if (!slot) continue;
                if (mode === 0 && slot.required) {
                  body = withValueAt(ctx.doc, op.body!.schema, body, slot.path, undefined, true);
                  labels.push(`${slot.path.join('.')} missing`);
                } else {
                  const bad = badValuesFor(slot.schema);
                  const v = bad[vi % bad.length];
                  body = withValueAt(ctx.doc, op.body!.schema, body, slot.path, v);
                  labels.push(`${slot.path.join('.')}=${describe(v)}`);
                }
              }
              return { label: `slots ${labels.join(', ')}`, body: jsonBody(op, body) };
            }),
        },
        {
          weight: jsonish && !slots.length ? 5 : 0,
          arbitrary: fc
            .dictionary(fc.constantFrom(...FREE_FORM_FIELDS), fc.constantFrom(...free), { minKeys: 1, maxKeys: 5 })
            .map((o) => ({ label: 'free-form fields', body: jsonBody(op, o) })),
        },
        { weight: jsonish ? 2 : 0, arbitrary: anyJson.map((v) => ({ label: 'random JSON', body: jsonBody(op, v) })) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(...RAW_BODIES.slice(0, 25)).map((r) => ({
            label: `raw ${r.label}`,
            body: { text: r.text, contentType: r.contentType ?? op.body!.contentType },
          })),
        },
        {
          weight: jsonish ? 0 : 3,
          arbitrary: fc
            .string({ unit: 'binary', maxLength: 400 })
            .map((s) => ({ label: 'random text', body: { text: s, contentType: op.body!.contentType } })),
        },
      );

  return fc
    .record({
      auth: fc.constantFrom<Auth>('key', 'key', 'key', 'key', 'key', 'key', 'key', 'key', 'key', 'none'),
      path: fc.array(fc.option(fc.constantFrom(...PATH_VALUES), { freq: 3 }), {
        minLength: op.placeholders.length,
        maxLength: op.placeholders.length,
      }),
      query: fc.array(fc.tuple(fc.constantFrom(...queryNames), queryValue), { maxLength: 4 }),
      dropRequired: fc.boolean(),
      body: bodyArb,
      salt: fc.nat(),
    })
    .map(({ auth, path, query, dropRequired, body, salt }) => {
      const parts = validParts(op, ctx);
      op.placeholders.forEach(({ placeholder }, i) => {
        if (path[i] !== null) parts.path[placeholder] = path[i]!;
      });
      if (dropRequired && parts.query.length) parts.query.splice(salt % parts.query.length, 1);
      for (const [k, v] of query) {
        parts.query = parts.query.filter(([name]) => name !== k || salt % 2 === 0);
        parts.query.push([k, v]);
      }
      breakTarget(op, parts, salt);
      const c: Case = {
        op,
        label: `random ${body?.label ?? 'no body'}`,
        auth,
        ...parts,
        body: body ? body.body : undefined,
      };
      if (op.body && !body) c.body = jsonBody(op, base);
      return c;
    });
}
