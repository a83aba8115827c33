import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppError, DataValidationError } from '../errors/app-error';

/** Deepest nesting of arrays/objects accepted in a body or query (no DTO goes beyond a handful). */
export const MAX_INPUT_DEPTH = 64;
/** NUL, or a UTF-16 surrogate without its other half. */
// The control character is the point: PostgreSQL text cannot store NUL.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorable(text: string): string | undefined {
  const m = UNSTORABLE.exec(text);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? 'must not contain NUL (U+0000) characters'
    : 'must be valid Unicode text (it holds an unpaired surrogate)';
}

/** Most failing fields listed in a 422's details (details.fields_total counts them all). */
export const MAX_LISTED_FIELDS = 100;

export interface FieldError {
  field: string;
  errors: string[];
}

/** Flatten class-validator's tree into `field.path: [messages]`, naming nested fields fully. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix
      ? /^\d+$/.test(error.property)
        ? `${prefix}[${error.property}]`
        : `${prefix}.${error.property}`
      : error.property;
    if (error.constraints) out.push({ field, errors: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/**
 * The first input problem that no DTO can express, found without recursion:
 * - nesting deeper than MAX_INPUT_DEPTH: class-transformer and ValidationPipe's own
 *   prototype-key stripping recurse once per level, so 10 000 levels overflowed the stack (500);
 * - a string (value or key) holding U+0000: PostgreSQL cannot store NUL in text or jsonb, so it
 *   failed in the driver (500) wherever the value reached a query;
 * - a string holding an unpaired UTF-16 surrogate (`"\ud800"` in the JSON): not Unicode text;
 *   PostgreSQL refused it inside jsonb (500) and text columns silently stored U+FFFD instead.
 */
export function findInputProblem(value: unknown, root: string): FieldError | undefined {
  // A fast pass without field paths (prediction bodies hold millions of numbers); the paths
  // are only built again for a body that has a problem.
  return hasInputProblem(value) ? describeInputProblem(value, root) : undefined;
}

function hasInputProblem(value: unknown): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return true;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return true;
    if (Array.isArray(v)) {
      for (const item of v) {
        if (item !== null && (typeof item === 'object' || typeof item === 'string')) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key of Object.keys(v)) {
      if (UNSTORABLE.test(key)) return true;
      values.push((v as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return false;
}

function describeInputProblem(value: unknown, root: string): FieldError | undefined {
  const found = describeAt(value, root);
  if (found && found.field.length > 80) found.field = `${found.field.slice(0, 60)}…`;
  return found;
}

function describeAt(value: unknown, root: string): FieldError | undefined {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: root, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) return { field: path, errors: [`${path || 'value'} ${why}`] };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH)
      return {
        field: path,
        errors: [
          `${path || 'value'} is nested deeper than ${MAX_INPUT_DEPTH} levels`.replace(
            /^(.{60}).+( is nested)/,
            '$1…$2',
          ),
        ],
      };
    for (const key of Object.keys(v)) {
      const at = Array.isArray(v) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      const why = unstorable(key);
      if (why) return { field: at, errors: [`field names ${why}`] };
      stack.push({ v: (v as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A DTO class (not Object, Array or a primitive wrapper, which the pipe leaves alone). */
function isDtoClass(metatype: ArgumentMetadata['metatype']): boolean {
  return typeof metatype === 'function' && ![Object, Array, String, Number, Boolean].includes(metatype as never);
}

/** The global ValidationPipe, guarded against inputs that would break it or the database. */
class GuardedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value instanceof Readable) {
      // Only the CSV import reads a raw stream (it takes the request itself): any other route was
      // sent text/plain or text/csv where it wants JSON; validating the stream object recursed
      // through its internals until the stack overflowed (500).
      throw new AppError(
        415,
        'BadRequestError',
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the body as JSON with Content-Type: application/json',
      );
    }
    if (metadata.type === 'body' && Array.isArray(value) && isDtoClass(metadata.metatype)) {
      // Every DTO body is one JSON object; class-transformer would otherwise turn each element of
      // a 100 000-element array into a DTO and validate it (most of a second per request).
      throw new DataValidationError('The request body must be a JSON object, not an array', {
        fields: [{ field: 'body', errors: ['body must be a JSON object'] }],
      });
    }
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problem = findInputProblem(value, metadata.type === 'param' ? (metadata.data ?? 'path') : '');
      if (problem)
        throw new DataValidationError(`Request validation failed for field: ${problem.field || metadata.type}`, {
          fields: [{ ...problem, field: problem.field || metadata.type }],
        });
    }
    return super.transform(value, metadata);
  }
}

/** The global pipe: unknown fields rejected, types transformed, failures as 422 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new GuardedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const all = flattenValidationErrors(errors);
      // Bounded: a 1 MB body with a 100 000-element array in the wrong place fails once per
      // element, and listing them all made a 13 MB error answer.
      const fields = all.slice(0, MAX_LISTED_FIELDS);
      const more = all.length - fields.length;
      const names =
        fields
          .slice(0, 20)
          .map((f) => f.field)
          .join(', ') + (all.length > 20 ? ` and ${all.length - 20} more` : '');
      return new DataValidationError(
        `Request validation failed for ${all.length === 1 ? 'field' : 'fields'}: ${names}`,
        more > 0 ? { fields, fields_total: all.length } : { fields },
      );
    },
  });
}
