import { DataValidationError } from '../../common/errors/app-error';
import { VERSION_PATTERN } from '../artifacts';

/**
 * Alias names (MLflow-style: `champion`, `challenger`, …). Lowercase, starting with a letter,
 * so a name can never be read as a version number ("1.2.0") or a path trick; `latest` and
 * `v<digits>` are refused too because they read like a version (MLflow reserves the same).
 * In predict and deploy bodies an alias is written with a leading '@' ("@champion"), which is
 * how a version field tells an alias from a version number.
 */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const RESERVED = /^(latest|v\d+)$/;

/** Most aliases one model may hold: enough for any workflow, small enough to list in every model's JSON. */
export const MAX_ALIASES_PER_MODEL = 32;

export function aliasNameProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'it must be a non-empty string';
  if (value.startsWith('@'))
    return "write the alias name without '@' here (the '@' marks an alias only in a version field)";
  if (!ALIAS_PATTERN.test(value)) return "use 1-64 characters a-z, 0-9, '_' or '-', starting with a letter";
  if (RESERVED.test(value)) return `'${value}' reads like a version; choose another name`;
  return null;
}

/** 422 INVALID_ALIAS unless `value` is a usable alias name. */
export function assertAliasName(value: unknown, field = 'alias'): string {
  const problem = aliasNameProblem(value);
  if (problem) {
    const shown = JSON.stringify(String(value).slice(0, 80));
    throw new DataValidationError(
      `Invalid alias ${shown}: ${problem}`,
      { field, pattern: ALIAS_PATTERN.source, fields: [{ field, errors: [problem] }] },
      'INVALID_ALIAS',
    );
  }
  return value as string;
}

/** What a `version` field of predict/deploy may hold: a version number or `@alias`. */
export const VERSION_OR_ALIAS_PATTERN = new RegExp(`(${VERSION_PATTERN.source})|(^@[a-z][a-z0-9_-]{0,63}$)`);

export type VersionRef = { kind: 'version'; version: string } | { kind: 'alias'; alias: string };

/** Reads a version field: "1.2.0" → a version, "@champion" → an alias (its name checked), anything else → null. */
export function parseVersionRef(value: string): VersionRef | null {
  if (VERSION_PATTERN.test(value)) return { kind: 'version', version: value };
  if (value.startsWith('@') && aliasNameProblem(value.slice(1)) === null)
    return { kind: 'alias', alias: value.slice(1) };
  return null;
}
