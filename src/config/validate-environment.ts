import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvironmentVariables } from './environment';
import { environmentVariableNames } from './environment-names';
import { describeEnvValue } from './secret-values';

export class ConfigValidationError extends Error {
  /** `value` is kept as it may be shown: secrets hidden, URL passwords redacted (secret-values.ts). */
  readonly problems: { variable: string; value: string; message: string }[];

  /** `valuesShown`: the values are already as describeEnvValue shows them (errors merged from others). */
  constructor(
    problems: { variable: string; value: unknown; message: string }[],
    options: { valuesShown?: boolean } = {},
  ) {
    const shown = problems.map((p) => ({
      ...p,
      value: options.valuesShown ? String(p.value) : describeEnvValue(p.variable, p.value),
    }));
    super(
      'Invalid environment, the service cannot start:\n' +
        shown.map((p) => `  - ${p.variable}=${p.value}: ${p.message}`).join('\n'),
    );
    this.problems = shown;
    this.name = 'ConfigValidationError';
  }
}

/** Parse and validate the raw environment; throws ConfigValidationError naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const picked: Record<string, string> = {};
  for (const key of environmentVariableNames()) {
    const value = raw[key];
    if (value !== undefined) picked[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      errors.map((e) => ({
        variable: e.property,
        value: picked[e.property],
        message: Object.values(e.constraints ?? {})[0] ?? 'is invalid',
      })),
    );
  }
  return env;
}
