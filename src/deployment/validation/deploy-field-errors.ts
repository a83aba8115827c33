import { DataValidationError } from '../../common/errors/app-error';
import type { DeploymentOptions } from '../deployment-options';

export interface FieldErrors {
  field: string;
  errors: string[];
}

/**
 * The checks of a deploy/rollback body that depend on this service's configuration (the
 * targets, DEPLOYMENT_MAX_SCALING_FACTOR), so the DTO's decorators cannot express them.
 * Values of the wrong type are left to the DTO's own checks.
 */
export function deployOptionErrors(
  body: unknown,
  options: Pick<DeploymentOptions, 'targets' | 'maxScalingFactor'>,
): FieldErrors[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  const out: FieldErrors[] = [];
  if (typeof b.deployment_target === 'string' && !options.targets.includes(b.deployment_target)) {
    out.push({
      field: 'deployment_target',
      errors: [`deployment_target must be one of: ${options.targets.join(', ')}`],
    });
  }
  if (typeof b.scaling_factor === 'number' && b.scaling_factor > options.maxScalingFactor) {
    out.push({
      field: 'scaling_factor',
      errors: [`scaling_factor must not be greater than ${options.maxScalingFactor}`],
    });
  }
  // A challenger's share: only with mode canary, and strictly between 0 and 1 (0 would be a shadow that never scores, 1 a replacement).
  if (b.mode === 'canary' && b.canary_share === undefined)
    out.push({
      field: 'canary_share',
      errors: [
        'canary_share is required with "mode": "canary": the share of requests the canary answers, greater than 0 and less than 1',
      ],
    });
  if (typeof b.canary_share === 'number') {
    if (b.mode !== 'canary') out.push({ field: 'canary_share', errors: ['canary_share is only for "mode": "canary"'] });
    else if (!(b.canary_share > 0 && b.canary_share < 1))
      out.push({ field: 'canary_share', errors: ['canary_share must be greater than 0 and less than 1'] });
  }
  return out;
}

/** Field lists merged by field name (errors of one field joined, without repeats). */
export function mergeFieldErrors(a: FieldErrors[], b: FieldErrors[]): FieldErrors[] {
  const byField = new Map<string, string[]>();
  for (const f of [...a, ...b]) {
    const errors = byField.get(f.field) ?? [];
    for (const e of f.errors) if (!errors.includes(e)) errors.push(e);
    byField.set(f.field, errors);
  }
  return [...byField].map(([field, errors]) => ({ field, errors }));
}

/** The 422 in the same shape as the global validation pipe's (every bad field listed). */
export function fieldsError(fields: FieldErrors[]): DataValidationError {
  return new DataValidationError(
    `Request validation failed for ${fields.length === 1 ? 'field' : 'fields'}: ${fields.map((f) => f.field).join(', ')}`,
    { fields },
  );
}
