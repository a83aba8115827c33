import * as path from 'node:path';
import { DataValidationError } from '../../common/errors/app-error';

/**
 * Names that become directory names under MODEL_REGISTRY_PATH. Every id, version and
 * file path is checked here by an allow-list (never a deny-list of "bad" characters), and
 * every path the store builds is checked once more after resolution (`resolveInside`), so
 * a mistake in one layer still cannot reach outside the registry root.
 *
 * Names starting with '.' are reserved for the store itself (`.tmp-*`, `.trash-*`) and for
 * the embedded database (`.pgdata`): no id or file path may start with one.
 */

/** Lowercase slug, 1–64 characters; no '.', so '.', '..' and hidden names are impossible. */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * MAJOR.MINOR.PATCH, digits only, no leading zeros (so '1.0.0' and '01.0.0' can never be two
 * directories of the same version), at most 6 digits each (fits model_versions.version, 20).
 */
export const VERSION_PATTERN = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

/** One segment of an artifact file path: ASCII, starts with a letter, digit or '_'. */
const PATH_SEGMENT_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_PATH_SEGMENTS = 8;
const MAX_PATH_LENGTH = 512;

/** Written by the store itself; a caller may not supply it. */
export const MANIFEST_FILE = 'manifest.json';

/** Shortens what a caller sent so an error message stays readable (ids can be megabytes). */
function show(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

export function isValidModelId(value: unknown): value is string {
  return typeof value === 'string' && MODEL_ID_PATTERN.test(value) && value !== '.' && value !== '..';
}

export function isValidVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION_PATTERN.test(value);
}

/** 422 INVALID_MODEL_ID unless `value` is a model id slug. */
export function assertModelId(value: unknown): string {
  if (!isValidModelId(value)) {
    throw new DataValidationError(
      `Invalid model id ${show(value)}: use 1-64 characters a-z, 0-9, '_' or '-', starting with a letter or digit`,
      { field: 'model_id', pattern: MODEL_ID_PATTERN.source },
      'INVALID_MODEL_ID',
    );
  }
  return value;
}

/** 422 INVALID_VERSION unless `value` is MAJOR.MINOR.PATCH. */
export function assertVersion(value: unknown): string {
  if (!isValidVersion(value)) {
    throw new DataValidationError(
      `Invalid version ${show(value)}: use MAJOR.MINOR.PATCH with digits only and no leading zeros, e.g. 1.0.0`,
      { field: 'version', pattern: VERSION_PATTERN.source },
      'INVALID_VERSION',
    );
  }
  return value;
}

/** Why `value` is not a valid relative artifact path, or null when it is. */
export function artifactPathProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'it must be a non-empty string';
  if (value.length > MAX_PATH_LENGTH) return `it is longer than ${MAX_PATH_LENGTH} characters`;
  if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value)) return 'it must be relative';
  const segments = value.split('/');
  if (segments.length > MAX_PATH_SEGMENTS) return `it has more than ${MAX_PATH_SEGMENTS} segments`;
  for (const segment of segments) {
    // The pattern already rules out '', '.', '..', hidden names, '\\', '%', NUL and non-ASCII.
    if (!PATH_SEGMENT_PATTERN.test(segment))
      return `segment ${show(segment)} must be 1-128 characters A-Z, a-z, 0-9, '_', '.' or '-', not starting with '.' or '-'`;
  }
  return null;
}

/** 422 INVALID_ARTIFACT_PATH unless `value` is a safe relative path like `model/weights.bin`. */
export function assertArtifactPath(value: unknown): string {
  const problem = artifactPathProblem(value);
  if (problem) {
    throw new DataValidationError(
      `Invalid artifact file path ${show(value)}: ${problem}`,
      { field: 'files', path: String(value).slice(0, 200) },
      'INVALID_ARTIFACT_PATH',
    );
  }
  if (value === MANIFEST_FILE) {
    throw new DataValidationError(
      `${MANIFEST_FILE} is written by the artifact store and cannot be supplied`,
      { field: 'files', path: value },
      'INVALID_ARTIFACT_PATH',
    );
  }
  return value as string;
}

/**
 * Resolve `segments` under `root` and prove the result is strictly inside it and is exactly
 * the path the segments spell (no '.'/'..' normalised away). Defence in depth: the patterns
 * above already make escaping impossible; this holds even if one of them is loosened.
 */
export function resolveInside(root: string, ...segments: string[]): string {
  if (!path.isAbsolute(root)) throw new Error(`The registry root must be an absolute path, got ${root}`);
  const base = path.resolve(root);
  const resolved = path.resolve(base, ...segments);
  const relative = path.relative(base, resolved);
  const expected = segments.join('/').split('/').join(path.sep);
  if (
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${path.sep}`) ||
    path.isAbsolute(relative) ||
    relative !== expected
  ) {
    throw new DataValidationError(
      'The requested artifact path would leave the model registry',
      { path: segments.join('/').slice(0, 200) },
      'PATH_OUTSIDE_REGISTRY',
    );
  }
  return resolved;
}

/**
 * A model id from a display name: "LSTM Price Predictor" → "lstm_price_predictor".
 * Accents are folded first ("Modèle" → "modele") so names in other languages stay readable.
 */
export function slugify(name: string): string {
  const slug = String(name ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64)
    .replace(/_+$/, '');
  return slug === '' ? 'model' : slug;
}
