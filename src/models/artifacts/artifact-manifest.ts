import { DataValidationError } from '../../common/errors/app-error';
import { artifactPathProblem, assertArtifactPath, MANIFEST_FILE } from './artifact-ids';

/**
 * `manifest.json`, written last into every version directory: the sha256 and size of every
 * other file. Loading trusts a file only if it matches its entry here; the sha256 of the
 * manifest itself (`checksum`) is one fingerprint of the whole version, kept in the database
 * (model_versions.artifact_checksum) so a rewritten manifest is caught too.
 */
export interface ArtifactManifest {
  model_id: string;
  version: string;
  /** ISO-8601 UTC. */
  created_at: string;
  /** Relative path ('/'-separated) → its hash and size. Never lists manifest.json itself. */
  files: Record<string, ManifestEntry>;
}

export interface ManifestEntry {
  sha256: string;
  bytes: number;
}

/**
 * What a caller may store: raw bytes, text (UTF-8), or any other value, which is stored as
 * pretty-printed JSON (so `preprocessing.json` and `metrics.json` stay readable on disk).
 */
export type ArtifactContent = Buffer | Uint8Array | string | object | number | boolean | null;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Turn one content value into the bytes written to disk (422 when it cannot be). */
export function toBytes(file: string, content: ArtifactContent): Buffer {
  if (Buffer.isBuffer(content)) return content;
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  let json: string | undefined;
  try {
    json = JSON.stringify(content, null, 2);
  } catch (e) {
    throw new DataValidationError(
      `Artifact file ${file} cannot be stored as JSON: ${(e as Error).message}`,
      { file },
      'INVALID_ARTIFACT_CONTENT',
    );
  }
  if (json === undefined) {
    throw new DataValidationError(
      `Artifact file ${file} has no content (got ${typeof content})`,
      { file },
      'INVALID_ARTIFACT_CONTENT',
    );
  }
  return Buffer.from(`${json}\n`, 'utf8');
}

/**
 * Validate the caller's file map and serialise it: safe paths only, at least one file, and
 * no path that is both a file and a directory of another file (e.g. `model` and `model/x`),
 * nor two paths differing only in case (they would collide on a case-insensitive volume).
 */
export function prepareFiles(files: Record<string, ArtifactContent>): Array<{ file: string; data: Buffer }> {
  if (files === null || typeof files !== 'object' || Array.isArray(files)) {
    throw new DataValidationError(
      'Artifact files must be an object of relative path → content',
      null,
      'INVALID_ARTIFACT_CONTENT',
    );
  }
  const names = Object.keys(files).sort();
  if (names.length === 0)
    throw new DataValidationError('A model version needs at least one artifact file', null, 'INVALID_ARTIFACT_CONTENT');
  const lower = new Set<string>();
  for (const name of names) {
    assertArtifactPath(name);
    const folded = name.toLowerCase();
    if (lower.has(folded))
      throw new DataValidationError(
        `Artifact file paths differ only in case: ${name}`,
        { path: name },
        'INVALID_ARTIFACT_PATH',
      );
    lower.add(folded);
  }
  for (const name of names) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/').toLowerCase();
      if (lower.has(dir))
        throw new DataValidationError(
          `Artifact path ${parts.slice(0, i).join('/')} is both a file and the directory of ${name}`,
          { path: name },
          'INVALID_ARTIFACT_PATH',
        );
    }
  }
  return names.map((file) => ({ file, data: toBytes(file, files[file]) }));
}

/**
 * Check that parsed JSON is a manifest of `modelId`/`version`; returns the reason it is
 * not, or null. A manifest is untrusted input: its paths are validated like a caller's, so a
 * tampered manifest cannot make the store read outside the version directory.
 */
export function manifestProblem(value: unknown, modelId: string, version: string): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object';
  const m = value as Record<string, unknown>;
  if (m.model_id !== modelId) return `model_id is ${JSON.stringify(m.model_id)}, expected ${JSON.stringify(modelId)}`;
  if (m.version !== version) return `version is ${JSON.stringify(m.version)}, expected ${JSON.stringify(version)}`;
  if (typeof m.created_at !== 'string' || Number.isNaN(Date.parse(m.created_at))) return 'created_at is not a date';
  if (m.files === null || typeof m.files !== 'object' || Array.isArray(m.files)) return 'files is not an object';
  for (const [name, entry] of Object.entries(m.files as Record<string, unknown>)) {
    const problem = artifactPathProblem(name);
    if (problem) return `it lists an invalid path ${JSON.stringify(name.slice(0, 80))}: ${problem}`;
    if (name === MANIFEST_FILE) return 'it lists itself';
    const e = entry as Partial<ManifestEntry> | null;
    if (e === null || typeof e !== 'object') return `the entry of ${name} is not an object`;
    if (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256))
      return `the sha256 of ${name} is not 64 lowercase hex digits`;
    if (typeof e.bytes !== 'number' || !Number.isSafeInteger(e.bytes) || e.bytes < 0)
      return `the size of ${name} is not a non-negative integer`;
  }
  return null;
}

/** The manifest's bytes on disk (stable key order: files sorted by path). */
export function serializeManifest(manifest: ArtifactManifest): Buffer {
  const files = Object.create(null) as Record<string, ManifestEntry>; // a path may be '__proto__'
  for (const name of Object.keys(manifest.files).sort())
    files[name] = { sha256: manifest.files[name].sha256, bytes: manifest.files[name].bytes };
  return Buffer.from(
    `${JSON.stringify({ model_id: manifest.model_id, version: manifest.version, created_at: manifest.created_at, files }, null, 2)}\n`,
    'utf8',
  );
}
