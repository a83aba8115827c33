import { AppError, ServiceUnavailableError } from '../../common/errors/app-error';

/** Which integrity check a stored file failed. */
export type ArtifactCheck =
  | 'present' // a file the manifest lists (or the manifest itself) is not there
  | 'type' // it is not a regular file (directory, symlink, device…)
  | 'location' // it resolves (through a symlink) outside its version directory
  | 'size' // its byte count differs from the manifest
  | 'sha256' // its content hash differs from the manifest
  | 'checksum' // the manifest's own hash differs from the one the caller recorded
  | 'manifest' // the manifest is not valid JSON or not a valid manifest
  | 'json'; // a file read as JSON does not parse

export interface ArtifactProblem {
  file: string;
  check: ArtifactCheck;
  expected?: string | number;
  actual?: string | number;
  reason?: string;
}

function describe(p: ArtifactProblem): string {
  switch (p.check) {
    case 'present':
      return `${p.file} is missing`;
    case 'size':
      return `${p.file} failed the size check (manifest says ${p.expected} bytes, found ${p.actual})`;
    case 'sha256':
      return `${p.file} failed the sha256 check (manifest says ${String(p.expected).slice(0, 12)}…, found ${String(p.actual).slice(0, 12)}…)`;
    case 'checksum':
      return `${p.file} failed the checksum check (recorded ${String(p.expected).slice(0, 12)}…, found ${String(p.actual).slice(0, 12)}…)`;
    default:
      return `${p.file} failed the ${p.check} check${p.reason ? ` (${p.reason})` : ''}`;
  }
}

/**
 * 500 ARTIFACT_CORRUPT: a stored version does not match its manifest. It is a server-side
 * integrity failure (nothing the caller can fix), so 500 — but with a message that says
 * which file failed which check, because the filter passes AppError messages through.
 * `details.problems` lists every problem found, not only the first.
 */
export class ArtifactCorruptError extends AppError {
  constructor(
    readonly modelId: string,
    readonly version: string,
    readonly problems: ArtifactProblem[],
  ) {
    const [first] = problems;
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super(
      500,
      'ModelError',
      'ARTIFACT_CORRUPT',
      `Artifact ${modelId}/${version} is corrupt: ${describe(first)}${more}`,
      {
        model_id: modelId,
        version,
        file: first.file,
        check: first.check,
        problems,
      },
    );
  }
}

/**
 * Operational disk failures become errors that say what happened instead of a bare 500:
 * a full volume is a 503 (retry after space is freed), a read-only or forbidden one a 500
 * naming the path. Anything else is rethrown unchanged.
 */
export function storageError(error: unknown, action: string, where: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ServiceUnavailableError(
      `The model registry volume is full: could not ${action} ${where}`,
      { path: where, errno: code },
      'ARTIFACT_STORAGE_FULL',
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AppError(
      500,
      'ModelError',
      'ARTIFACT_STORAGE_UNWRITABLE',
      `The model registry is not writable: could not ${action} ${where} (${code})`,
      { path: where, errno: code },
    );
  }
  return error;
}

/** The error_code a refused deploy carries, by the check the artifact failed. */
const REFUSAL_CODES: Record<ArtifactCheck, string> = {
  sha256: 'ARTIFACT_CHECKSUM_MISMATCH',
  size: 'ARTIFACT_CHECKSUM_MISMATCH',
  checksum: 'ARTIFACT_CHECKSUM_MISMATCH',
  type: 'ARTIFACT_FILE_UNSAFE',
  location: 'ARTIFACT_FILE_UNSAFE',
  present: 'ARTIFACT_INCOMPLETE',
  manifest: 'ARTIFACT_MANIFEST_INVALID',
  json: 'ARTIFACT_MANIFEST_INVALID',
};

/**
 * 409 for an action (deploy, rollback) that needs a version whose stored files fail
 * verification: the registry's state is unchanged and the message says which file failed
 * which check (`details.problems` lists them all). The corruption itself is still the
 * server's problem, but refusing the action is the answer to *this* request.
 */
export function artifactRefusal(error: ArtifactCorruptError, action: string): AppError {
  const first = error.problems[0];
  const reason = error.message.replace(/^Artifact \S+ is corrupt: /, '');
  return new AppError(
    409,
    'ConflictError',
    REFUSAL_CODES[first.check] ?? 'ARTIFACT_CORRUPT',
    `Version ${error.version} of ${error.modelId} cannot be ${action}: its stored artifacts failed verification (${reason})`,
    error.details,
  );
}
