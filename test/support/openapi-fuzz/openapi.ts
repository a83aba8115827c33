/** The parts of an OpenAPI 3 document the fuzzing suite reads: operations, parameters, body schemas. */

export type Schema = Record<string, any>;

export interface OpenApiDoc {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  id: string;
  method: string;
  /** The template as documented, e.g. /api/v1/runs/{id}/artifacts/{path}. */
  path: string;
  /** {placeholder} of the template → its documented parameter (matched by name, else by position). */
  placeholders: Array<{ placeholder: string; param: Param }>;
  query: Param[];
  body?: { contentType: string; schema: Schema; required: boolean };
  /** Anything but GET/HEAD may change stored state. */
  mutating: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!METHODS.includes(method)) continue;
      const params: Param[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => ({
        name: p.name,
        in: p.in,
        required: !!p.required,
        schema: deref(doc, p.schema ?? {}),
      }));
      const pathParams = params.filter((p) => p.in === 'path');
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const unmatched = pathParams.filter((p) => !names.includes(p.name));
      const placeholders = names.map((placeholder) => ({
        placeholder,
        param: pathParams.find((p) => p.name === placeholder) ??
          unmatched.shift() ?? { name: placeholder, in: 'path' as const, required: true, schema: { type: 'string' } },
      }));
      const content = op.requestBody?.content as Record<string, { schema?: Schema }> | undefined;
      const contentType = content
        ? (Object.keys(content).find((c) => c.includes('json')) ?? Object.keys(content)[0])
        : undefined;
      out.push({
        id: op.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        placeholders,
        query: params.filter((p) => p.in === 'query'),
        body:
          content && contentType
            ? {
                contentType,
                schema: deref(doc, content[contentType].schema ?? {}),
                required: !!op.requestBody.required,
              }
            : undefined,
        mutating: !['get', 'head', 'options'].includes(method),
      });
    }
  }
  return out;
}

/** Resolve $ref and single-element allOf (how @nestjs/swagger writes a nested DTO), shallowly. */
export function deref(doc: OpenApiDoc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    if (s?.$ref) {
      const name = String(s.$ref).replace('#/components/schemas/', '');
      s = {
        ...doc.components?.schemas?.[name],
        ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')),
      };
    } else if (Array.isArray(s?.allOf) && s.allOf.length === 1) {
      const { allOf, ...rest } = s;
      s = { ...allOf[0], ...rest };
    } else return s ?? {};
  }
  return s;
}

export function typeOf(s: Schema): string {
  if (s.type) return s.type;
  if (s.enum) return 'string';
  if (s.properties || s.additionalProperties) return 'object';
  if (s.items) return 'array';
  return 'any';
}

/** A value the schema accepts: the example, an enum member, the default, or one made up by type. */
export function validValue(doc: OpenApiDoc, schema: Schema, depth = 0): unknown {
  const s = deref(doc, schema);
  // Copies: the caller writes into what it gets, and the document must stay as it is.
  if (s.example !== undefined) return cloneData(s.example);
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return cloneData(s.default);
  switch (typeOf(s)) {
    case 'string':
      return 'fuzz';
    case 'number':
    case 'integer':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return depth > 4 ? [] : [validValue(doc, s.items ?? {}, depth + 1)];
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth > 4) return out;
      for (const name of s.required ?? []) out[name] = validValue(doc, s.properties?.[name] ?? {}, depth + 1);
      return out;
    }
    default:
      return 'fuzz';
  }
}

/** A place inside a body where a value goes: `hyperparameters.units`, `metrics[0].value`, `tags.<key>`. */
export interface Slot {
  path: Array<string | number>;
  schema: Schema;
  required: boolean;
}

/**
 * Every slot of a schema. A map (additionalProperties) gets a new key, `fuzz_key`, and, when
 * `base` already holds keys there (a prediction's feature names), its first existing key too,
 * so that values reach the code behind the names it knows.
 */
export function slotsOf(
  doc: OpenApiDoc,
  schema: Schema,
  path: Array<string | number> = [],
  depth = 0,
  base?: unknown,
): Slot[] {
  const s = deref(doc, schema);
  if (depth > 4) return [];
  const out: Slot[] = [];
  const type = typeOf(s);
  const at = (key: string | number) =>
    base !== null && typeof base === 'object' ? (base as Record<string, unknown>)[key as string] : undefined;
  if (type === 'object') {
    for (const [name, prop] of Object.entries<Schema>(s.properties ?? {})) {
      const p = deref(doc, prop);
      out.push({ path: [...path, name], schema: p, required: (s.required ?? []).includes(name) });
      out.push(...slotsOf(doc, p, [...path, name], depth + 1, at(name)));
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      const p = deref(doc, s.additionalProperties);
      const existing =
        base !== null && typeof base === 'object' && !Array.isArray(base)
          ? Object.keys(base)
              .filter((k) => !(s.properties ?? {})[k])
              .slice(0, 1)
          : [];
      for (const key of ['fuzz_key', ...existing]) {
        out.push({ path: [...path, key], schema: p, required: false });
        out.push(...slotsOf(doc, p, [...path, key], depth + 1, at(key)));
      }
    }
  } else if (type === 'array' && s.items) {
    const p = deref(doc, s.items);
    out.push({ path: [...path, 0], schema: p, required: false });
    out.push(...slotsOf(doc, p, [...path, 0], depth + 1, at(0)));
  }
  return out;
}

/** A copy of `base` with the value at `path` replaced (containers on the way created), or removed. */
export function withValueAt(
  doc: OpenApiDoc,
  rootSchema: Schema,
  base: unknown,
  path: Array<string | number>,
  value: unknown,
  remove = false,
): unknown {
  const root = cloneData(base);
  if (path.length === 0) return remove ? undefined : value;
  if (root === null || typeof root !== 'object') return root;
  let node: any = root;
  let schema = deref(doc, rootSchema);
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = deref(
      doc,
      typeOf(schema) === 'array'
        ? (schema.items ?? {})
        : (schema.properties?.[key] ?? schema.additionalProperties ?? {}),
    );
    if (node[key] === null || typeof node[key] !== 'object') node[key] = validValue(doc, next);
    if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[key];
    schema = next;
  }
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else node[last] = value;
  return root;
}

/** A deep copy of plain JSON data that keeps class instances (the Raw JSON pieces) as they are. */
function cloneData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneData) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneData(v)])) as T;
  }
  return value;
}
