import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DataValidationError } from '../errors/app-error';

export interface FieldError {
  field: string;
  errors: string[];
}

/** Flatten class-validator's tree into `field.path: [messages]`, naming nested fields fully. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? (/^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
    if (error.constraints) out.push({ field, errors: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** The global pipe: unknown fields rejected, types transformed, failures as 422 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const names = fields.map((f) => f.field).join(', ');
      return new DataValidationError(`Request validation failed for ${fields.length === 1 ? 'field' : 'fields'}: ${names}`, { fields });
    },
  });
}
