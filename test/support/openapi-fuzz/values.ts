/**
 * The hostile inputs of the OpenAPI fuzzing suite: JSON values (and raw JSON tokens that
 * JSON.stringify cannot write, such as NaN or 10 000 levels of nesting), path segments and
 * query values.
 */

/** A piece of JSON text written verbatim where a value goes (`{"x": NaN}`, deep nesting…). */
export class Raw {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
}

/** JSON text of a value that may contain Raw pieces anywhere inside it. */
export function toJsonText(value: unknown): string {
  const raws: Raw[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v);
      return `\u0000RAW${raws.length - 1}\u0000`;
    }
    return v;
  });
  if (text === undefined) return '';
  // JSON.stringify writes U+0000 as \u0000, so the placeholder cannot occur by accident.
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)].text);
}

/** A short description of a value for failure messages (never the 100 000 elements). */
export function describe(value: unknown): string {
  if (value instanceof Raw) return `raw(${value.label})`;
  let text: string;
  try {
    text = toJsonText(value);
  } catch {
    text = String(value);
  }
  return text.length > 160 ? `${text.slice(0, 150)}…(${text.length} chars)` : text;
}

export const DEPTH = 10_000;
export const HUGE = 100_000;

export const deepArray = new Raw('['.repeat(DEPTH) + ']'.repeat(DEPTH), `${DEPTH} nested arrays`);
export const deepObject = new Raw('{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH), `${DEPTH} nested objects`);
export const hugeNumberArray = new Raw(`[${new Array(HUGE).fill('0').join(',')}]`, `${HUGE} zeros`);
export const hugeStringArray = new Raw(`[${new Array(HUGE).fill('"x"').join(',')}]`, `${HUGE} strings`);
export const hugeObjectArray = new Raw(`[${new Array(HUGE / 20).fill('{}').join(',')}]`, `${HUGE / 20} empty objects`);
export const manyKeys = new Raw(`{${Array.from({ length: 2_000 }, (_, i) => `"k${i}":"v"`).join(',')}}`, '2000 keys');
export const protoObject = new Raw(
  '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
  '__proto__/constructor.prototype keys',
);

/** Odd strings: unicode edge cases, overlong text, injection-looking text. */
export const ODD_STRINGS: string[] = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil\u202c',
  '\u200b\u200d\ufeff',
  '👨‍👩‍👧‍👦🏳️‍🌈',
  'é'.normalize('NFD'),
  'ﬀ℡Å',
  '\u0085\u2028\u2029',
  "' OR 1=1 --",
  '"; DROP TABLE models; --',
  '; DROP TABLE models;',
  "1' UNION SELECT * FROM pg_user --",
  '$1',
  '%s%n%x',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '/dev/zero',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '0x10',
  '9'.repeat(400),
  'x'.repeat(300_000),
  '🦄'.repeat(20_000),
];

/** Numbers and number-looking values that a numeric field must reject or clamp. */
export const ODD_NUMBERS: unknown[] = [
  -1,
  0,
  0.5,
  -0.000001,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  5e-324,
  new Raw('NaN', 'NaN'),
  new Raw('Infinity', 'Infinity'),
  new Raw('-Infinity', '-Infinity'),
  new Raw('1e309', '1e309 (parses to Infinity)'),
  new Raw('-1e309', '-1e309'),
  new Raw('-0', '-0'),
  'NaN',
  'Infinity',
  '1',
  '',
];

/** Values of the wrong JSON type for anything. */
export const WRONG_TYPES: unknown[] = [null, true, false, 0, 1, -1, 'x', '', [], [null], {}, { a: 1 }, [[[]]]];

/** Structural monsters that fit in any slot. */
export const MONSTERS: unknown[] = [
  deepArray,
  deepObject,
  hugeNumberArray,
  hugeStringArray,
  hugeObjectArray,
  manyKeys,
  protoObject,
];

/** Whole JSON bodies that are not what any route wants (or not JSON at all). */
export const RAW_BODIES: Array<{ label: string; text: string | Buffer; contentType?: string }> = [
  { label: 'empty body', text: '' },
  { label: 'whitespace body', text: '   \n' },
  { label: 'null', text: 'null' },
  { label: 'true', text: 'true' },
  { label: 'number', text: '42' },
  { label: 'string', text: '"body"' },
  { label: 'array', text: '[]' },
  { label: 'array of objects', text: '[{}, {"a": 1}]' },
  { label: 'truncated JSON', text: '{"a": ' },
  { label: 'trailing garbage', text: '{} {}' },
  { label: 'single quotes', text: "{'a': 1}" },
  { label: 'comment', text: '{/* x */}' },
  { label: 'raw NaN', text: '{"x": NaN, "value": NaN}' },
  { label: 'raw Infinity', text: '{"x": Infinity, "value": -Infinity}' },
  { label: '1e309', text: '{"x": 1e309}' },
  { label: 'BOM', text: '\ufeff{}' },
  { label: 'duplicate keys', text: '{"name": "a", "name": {"$gt": ""}}' },
  { label: 'lone surrogate escape', text: '{"name": "\\ud800", "\\udfff": 1}' },
  { label: 'NUL escape', text: '{"name": "\\u0000", "\\u0000": "\\u0000"}' },
  {
    label: 'invalid UTF-8',
    text: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xae, 0x22, 0x7d]),
  },
  { label: 'prototype pollution', text: protoObject.text },
  { label: 'top-level deep arrays', text: deepArray.text },
  { label: 'top-level deep objects', text: deepObject.text },
  { label: 'top-level huge array', text: hugeNumberArray.text },
  { label: 'many keys', text: manyKeys.text },
  { label: 'over the body limit', text: `{"x": "${'x'.repeat(1_100_000)}"}` },
  { label: 'text/plain JSON', text: '{}', contentType: 'text/plain' },
  { label: 'form-encoded', text: 'a=1&__proto__[polluted]=yes', contentType: 'application/x-www-form-urlencoded' },
  {
    label: 'multipart',
    text: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
    contentType: 'multipart/form-data; boundary=b',
  },
  { label: 'no content type', text: '{}', contentType: '' },
  { label: 'utf-16 charset', text: Buffer.from('{}', 'utf16le'), contentType: 'application/json; charset=utf-16' },
  { label: 'json with params', text: '{}', contentType: 'application/json; charset=utf-8; x=y' },
  { label: 'vendor json', text: '{}', contentType: 'application/vnd.api+json' },
  { label: 'csv to a json route', text: 'timestamp,close\n2020-01-01T00:00:00Z,1.1\n', contentType: 'text/csv' },
];

/** Path segments, written as they go on the wire: encoded, raw traversal, odd encodings. */
export const PATH_VALUES: string[] = [
  '..',
  '../..',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '%2e%2e',
  '%252e%252e%252f',
  '..%5c..%5c',
  '%c0%ae%c0%ae%2f',
  '%00',
  '%ff%fe',
  '%',
  '%zz',
  "'%20OR%201%3D1%20--",
  '%3B%20DROP%20TABLE%20models%3B',
  '1%3B%20DROP%20TABLE%20models',
  '99999999999999999999999999999999',
  '1e309',
  '-1',
  '-99999999999',
  '0',
  'NaN',
  'Infinity',
  '%20',
  '%E2%80%AE',
  '%F0%9F%A6%84',
  '%ED%A0%80',
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(99),
  'x'.repeat(101),
  '',
];

/** Query values (URL-encoded by the suite, so each reaches the handler as written). */
export const QUERY_VALUES: string[] = [
  '',
  ' ',
  '../../etc/passwd',
  '%2e%2e%2f',
  "' OR 1=1 --",
  '; DROP TABLE models;',
  '-1',
  '0',
  '-99999999999999999999',
  '99999999999999999999999999',
  '1e309',
  '1.5',
  '0x10',
  'NaN',
  'Infinity',
  '\u0000',
  '\ud800',
  '\u202e',
  '🦄',
  'true',
  'null',
  '[]',
  '{}',
  'x'.repeat(5000),
];

/** Well-formed or nearly well-formed MLflow search filters and order_by terms with hostile operands. */
export const FILTER_STRINGS: string[] = [
  'metrics.loss > 1e309',
  'metrics.loss < -1e999',
  'metrics.loss = NaN',
  "metrics.loss > 'abc'",
  'metrics.loss > 99999999999999999999999999999999999999999999',
  'attributes.start_time > 99999999999999999999',
  'attributes.start_time < -99999999999999999999',
  "attributes.end_time = 'x'",
  'attributes.status IN ()',
  "attributes.status IN ('RUNNING', 1, NULL)",
  "params.p = 'x' OR 1=1 --'",
  "params.`x'; DROP TABLE runs; --` = 'y'",
  "tags.`\u0000` = 'y'",
  "tags.t LIKE '%\\'",
  "tags.t LIKE '%\\\\'",
  "params.p ILIKE '\\\\'",
  "name LIKE 'fuzz\\'",
  "tags.t ILIKE '%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%a'",
  "run_name = '${'x'.repeat(300)}'",
  "metrics.loss > 0 AND ${'metrics.loss > 0 AND '.repeat(200)}metrics.loss > 0",
  'metrics.loss DESC; DROP TABLE runs',
  'metrics.`loss` ASC NULLS FIRST',
  'attributes.start_time DESC, (SELECT 1)',
  'params.p, params.q, params.r, params.s, params.t, params.u, params.v, params.w, params.x, params.y, params.z',
  'name = "x"',
];

/** Query values written on the wire exactly as here (broken or odd percent-encoding). */
export const RAW_QUERY_VALUES: string[] = [
  '%',
  '%zz',
  '%ff%fe',
  '%ED%A0%80',
  '%00',
  '%2e%2e%2f%2e%2e%2f',
  '..%2f..%2f',
  'a%26b%3Dc',
  '%E2%80%AE',
];

/** Values that a slot with this (dereferenced) schema must not accept, or must survive. */
export function badValuesFor(schema: Record<string, any>): unknown[] {
  const type: string =
    schema.type ??
    (schema.enum
      ? 'string'
      : schema.properties || schema.additionalProperties
        ? 'object'
        : schema.items
          ? 'array'
          : 'any');
  const wrong = WRONG_TYPES.filter((v) => {
    if (type === 'string') return typeof v !== 'string';
    if (type === 'number' || type === 'integer') return typeof v !== 'number';
    if (type === 'boolean') return typeof v !== 'boolean';
    if (type === 'array') return !Array.isArray(v);
    if (type === 'object') return v === null || typeof v !== 'object' || Array.isArray(v);
    return true;
  });
  const out: unknown[] = [...wrong, ...MONSTERS];
  switch (type) {
    case 'string':
      if (Array.isArray(schema.enum) && schema.enum.length) {
        const e = String(schema.enum[0]);
        out.push(
          'not-a-member',
          e.toUpperCase() === e ? e.toLowerCase() : e.toUpperCase(),
          ` ${e}`,
          `${e}\u0000`,
          `${e}\ud800`,
          '',
          ...ODD_STRINGS.slice(13, 20),
        );
      } else
        out.push(
          ...ODD_STRINGS,
          '2020-02-30T25:61:00Z',
          '0000-00-00',
          '+275760-09-13T00:00:00.001Z',
          '-271821-04-20T00:00:00Z',
          '1.0.0',
          '999.999.999',
          '1.0',
          'a'.repeat(65),
          ['x'],
          1e21,
        );
      break;
    case 'number':
    case 'integer':
      out.push(...ODD_NUMBERS);
      if (typeof schema.minimum === 'number') out.push(schema.minimum - 1, schema.minimum - 1e-9);
      if (typeof schema.maximum === 'number') out.push(schema.maximum + 1, schema.maximum + 1e-9, schema.maximum * 1e6);
      break;
    case 'boolean':
      out.push('true', 'false', 1, 0, 'yes');
      break;
    case 'array':
      out.push(
        [null],
        [[]],
        [{}],
        [new Raw('NaN', 'NaN')],
        ['x'.repeat(100_000)],
        [deepArray],
        ['\ud800', '\u0000'],
        new Array(1000).fill("' OR 1=1 --"),
      );
      break;
    case 'object':
      out.push(
        new Raw('{"__proto__":"x"}', '__proto__ key'),
        new Raw(
          '{"constructor":"x","prototype":"y","hasOwnProperty":"z","toString":"w"}',
          'Object.prototype names as keys',
        ),
        new Raw('{"":"x","\\u0000":"y","\\ud800":"z"}', 'empty, NUL and lone-surrogate keys'),
        { ['k'.repeat(10_000)]: 'v' },
        { k: 1 },
        { k: null },
        { k: [] },
        { k: { nested: 'x' } },
        { k: new Raw('NaN', 'NaN') },
        { k: 'x'.repeat(200_000) },
      );
      break;
  }
  return out;
}
