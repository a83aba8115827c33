/**
 * The request examples an OpenAPI document offers, as Swagger UI's "Try it out" fills them in:
 * a request body's media-type `examples` (each one) or `example`, else a sample composed from
 * its schema (every property, optional ones too: its `example`, else `default`, else the first
 * `enum` value, else a placeholder such as "string" or 0); query and path parameters from their
 * `example`. Used to send each example as it is and check that it works.
 */
type Schema = Record<string, any>;
export type OpenApiDoc = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
};

export interface BodyExample {
  name: string;
  contentType: string;
  value: unknown;
}

function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s?.$ref && i < 20; i++)
    s = doc.components.schemas[String(s.$ref).replace('#/components/schemas/', '')];
  return s;
}

/** Swagger UI's sample of a schema (json-schema-5 samples plugin, simplified to what this service's document uses). */
export function sampleFromSchema(doc: OpenApiDoc, schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 10) return undefined;
  const s = resolve(doc, schema);
  if (s.example !== undefined) return s.example;
  if (s.allOf) return Object.assign({}, ...s.allOf.map((p: Schema) => sampleFromSchema(doc, p, depth + 1)));
  if (s.oneOf || s.anyOf) return sampleFromSchema(doc, (s.oneOf ?? s.anyOf)[0], depth + 1);
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const type = s.type ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries<Schema>(s.properties ?? {})) {
        if (resolve(doc, prop)?.readOnly) continue;
        out[name] = sampleFromSchema(doc, prop, depth + 1);
      }
      if (!s.properties && s.additionalProperties) {
        const value = s.additionalProperties === true ? {} : sampleFromSchema(doc, s.additionalProperties, depth + 1);
        for (let i = 1; i <= 3; i++) out[`additionalProp${i}`] = value;
      }
      return out;
    }
    case 'array':
      return [sampleFromSchema(doc, s.items, depth + 1)];
    case 'string':
      return s.format === 'date-time' ? new Date().toISOString() : 'string';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return true;
    default:
      return undefined;
  }
}

/** Every body example of an operation (none without a request body). */
export function bodyExamples(doc: OpenApiDoc, op: any): BodyExample[] {
  const content: Record<string, any> = op.requestBody?.content ?? {};
  const out: BodyExample[] = [];
  for (const [contentType, media] of Object.entries(content)) {
    if (media.examples)
      for (const [name, ex] of Object.entries<any>(media.examples)) out.push({ name, contentType, value: ex.value });
    else if (media.example !== undefined) out.push({ name: 'example', contentType, value: media.example });
    else out.push({ name: 'schema sample', contentType, value: sampleFromSchema(doc, media.schema) });
  }
  return out;
}

/** A parameter's example (`example` on the parameter or on its schema, or its first `examples` value). */
export function parameterExample(param: any): unknown {
  if (param.example !== undefined) return param.example;
  if (param.schema?.example !== undefined) return param.schema.example;
  const first = param.examples && Object.values<any>(param.examples)[0];
  return first?.value;
}

/** True when a schema sample would send a placeholder somewhere (a "string", a 0 or an additionalProp) instead of a chosen example. */
export function placeholdersIn(doc: OpenApiDoc, schema: Schema | undefined, at = '$', depth = 0): string[] {
  if (!schema || depth > 10) return [];
  const s = resolve(doc, schema);
  if (s.example !== undefined || s.default !== undefined || (Array.isArray(s.enum) && s.enum.length)) return [];
  if (s.oneOf || s.anyOf) return placeholdersIn(doc, (s.oneOf ?? s.anyOf)[0], at, depth + 1);
  const type = s.type ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
  if (type === 'object') {
    if (!s.properties) return [at];
    return Object.entries<Schema>(s.properties).flatMap(([name, prop]) =>
      placeholdersIn(doc, prop, `${at}.${name}`, depth + 1),
    );
  }
  if (type === 'array') return placeholdersIn(doc, s.items, `${at}[0]`, depth + 1);
  return [at];
}
