import { AppError, DataValidationError } from '../errors/app-error';
import { createValidationPipe } from './validation';

const pipe = createValidationPipe();

/**
 * A request carried inside another one (a sweep's or a schedule's `base` train request),
 * checked by the same rules as the route that takes it directly; the failing fields are named
 * under `prefix` (`base.epochs`), and so is the message.
 */
export async function validateNested<T extends object>(
  metatype: new () => T,
  raw: unknown,
  prefix: string,
): Promise<T> {
  try {
    return (await pipe.transform(raw, { type: 'body', metatype })) as T;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    const fields = ((e.details as { fields?: Array<{ field: string; errors: string[] }> } | null)?.fields ?? []).map(
      (f) => ({ ...f, field: `${prefix}.${f.field}` }),
    );
    throw new DataValidationError(
      `${prefix}: ${e.message}${fields.length ? ` (${fields.map((f) => f.field).join(', ')})` : ''}`,
      { fields },
    );
  }
}
