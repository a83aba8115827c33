import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AppError, ConflictError, NotFoundError } from '../../common/errors/app-error';
import type { ModelsService } from '../../models/models.service';
import type {
  AppliedChange,
  DeploymentTargetDriver,
  TargetChange,
  TargetDriverDefinition,
  VersionRef,
} from './target-driver';

export interface FileDropConfig {
  /** Absolute directory the target's files go under. */
  dir: string;
}

/** The pointer to the active version, inside `<dir>/<model_id>/`: a relative symlink to `<version>`. */
export const CURRENT_LINK = 'current';
export const DROP_FILES = ['model.onnx', 'signature.json', 'manifest.json'] as const;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The file-drop target (DEPLOYMENT_FILE_DROP_DIRS=`target=/dir,…`): a deploy writes the
 * version's ONNX artifact for a consumer outside this service to pick up:
 *
 *   <dir>/<model_id>/<version>/model.onnx       the verified model.onnx of the version
 *   <dir>/<model_id>/<version>/signature.json   how to feed it (GET …/versions/{v}'s `signature`)
 *   <dir>/<model_id>/<version>/manifest.json    sha256 and size of both, the registry's checksum
 *   <dir>/<model_id>/current -> <version>       the active version (a relative symlink)
 *
 * The version directory is written under a temporary name and renamed into place (a reader
 * never sees half of it), before the deployment's transaction; `current` is swapped atomically
 * (a new symlink renamed over the old) inside it, so a failure leaves the database and the
 * pointer as they were. Rollback points `current` back; undeploy removes it. Version
 * directories are kept (a rollback finds them; remove old ones as you see fit).
 */
class FileDropDriver implements DeploymentTargetDriver {
  readonly kind = 'file_drop';

  constructor(
    readonly target: string,
    private readonly dir: string,
    private readonly models: ModelsService,
  ) {}

  describe() {
    return { kind: this.kind, target: this.target, directory: this.dir };
  }

  /** Copy the version's files into `<dir>/<model_id>/<version>/` unless the same files are there. */
  async prepare({ modelId, version }: VersionRef): Promise<void> {
    const onnx = await this.models.onnxFile(modelId, version).catch((e: unknown) => {
      if (e instanceof NotFoundError && e.errorCode === 'ONNX_NOT_AVAILABLE') {
        throw new ConflictError(
          `Target ${this.target} writes model.onnx, and ${e.message}`,
          { model_id: modelId, version, target: this.target, kind: this.kind },
          'ONNX_NOT_AVAILABLE',
        );
      }
      throw e;
    });
    const v = await this.models.getVersion(modelId, version);
    const { signature } = await this.models.versionDetail(v);
    const files: Record<string, Buffer> = {
      'model.onnx': onnx.data,
      'signature.json': Buffer.from(`${JSON.stringify(signature, null, 2)}\n`),
    };
    const manifest = {
      model_id: modelId,
      version,
      artifact_checksum: v.artifact_checksum,
      files: Object.fromEntries(
        Object.entries(files).map(([name, data]) => [name, { sha256: sha256(data), bytes: data.length }]),
      ),
    };
    const modelDir = path.join(this.dir, modelId);
    const versionDir = path.join(modelDir, version);
    if (await this.holds(versionDir, manifest.files)) return;
    const tmp = path.join(modelDir, `.tmp-${version}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.mkdir(tmp, { recursive: true });
      for (const [name, data] of Object.entries(files)) await fs.writeFile(path.join(tmp, name), data);
      await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await this.moveIntoPlace(tmp, versionDir, manifest.files);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw this.writeError(e, modelId, version);
    }
  }

  /** Point `current` at the deployment's version (or remove it on undeploy); undo restores the old pointer. */
  async apply({ event, deployment: d }: TargetChange): Promise<AppliedChange> {
    const modelDir = path.join(this.dir, d.model_id);
    const link = path.join(modelDir, CURRENT_LINK);
    const before = await fs.readlink(link).catch(() => null);
    const point = async (to: string | null) => {
      if (to === null) return fs.rm(link, { force: true });
      const tmp = path.join(modelDir, `.current-${randomBytes(4).toString('hex')}`);
      await fs.symlink(to, tmp);
      await fs.rename(tmp, link).catch(async (e: unknown) => {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      });
    };
    const after = event === 'undeploy' ? (before === d.version ? null : before) : d.version;
    try {
      if (after !== before) await point(after);
    } catch (e) {
      throw this.writeError(e, d.model_id, d.version);
    }
    return { undo: () => (after !== before ? point(before) : Promise.resolve()) };
  }

  /**
   * Rename the staged directory to `<version>`. When that name is taken: by the same files (a
   * concurrent deploy of the version got there first) keep them; by different ones (an
   * interrupted or edited drop) move those aside first, so the name is never missing for long.
   */
  private async moveIntoPlace(
    tmp: string,
    versionDir: string,
    files: Record<string, { sha256: string; bytes: number }>,
  ): Promise<void> {
    try {
      await fs.rename(tmp, versionDir);
      return;
    } catch (e) {
      if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
    if (await this.holds(versionDir, files)) {
      await fs.rm(tmp, { recursive: true, force: true });
      return;
    }
    const trash = `${path.dirname(tmp)}/.trash-${path.basename(versionDir)}-${randomBytes(4).toString('hex')}`;
    await fs.rename(versionDir, trash);
    await fs.rename(tmp, versionDir);
    await fs.rm(trash, { recursive: true, force: true });
  }

  private async holds(
    versionDir: string,
    expected: Record<string, { sha256: string; bytes: number }>,
  ): Promise<boolean> {
    try {
      const found = JSON.parse(await fs.readFile(path.join(versionDir, 'manifest.json'), 'utf8')) as {
        files?: Record<string, { sha256?: string }>;
      };
      for (const [name, e] of Object.entries(expected)) {
        if (found.files?.[name]?.sha256 !== e.sha256) return false;
        if (sha256(await fs.readFile(path.join(versionDir, name))) !== e.sha256) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  private writeError(e: unknown, modelId: string, version: string): AppError {
    const code = (e as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    return new AppError(
      500,
      'DeploymentTargetError',
      'TARGET_WRITE_FAILED',
      `Target ${this.target} could not write ${modelId} ${version} under ${this.dir} (${code}); nothing was deployed — check that the directory exists and is writable`,
      { target: this.target, kind: this.kind, directory: this.dir, model_id: modelId, version, cause: code },
    );
  }
}

export const fileDropTarget: TargetDriverDefinition<FileDropConfig> = {
  kind: 'file_drop',
  variable: 'DEPLOYMENT_FILE_DROP_DIRS',
  valueName: '/absolute/dir',
  summary:
    'a deploy writes the version’s model.onnx, signature.json and manifest.json to <dir>/<model_id>/<version>/ and points the symlink <dir>/<model_id>/current at it (rollback points it back, undeploy removes it)',
  parse: (dir, target) =>
    path.isAbsolute(dir)
      ? { config: { dir: path.resolve(dir) } }
      : { problem: `the directory for ${target} must be an absolute path` },
  check(configs) {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const [target, { dir }] of Object.entries(configs)) {
      const other = seen.get(dir);
      if (other)
        problems.push(
          `${other} and ${target} share a directory (each needs its own: the current pointer is per directory)`,
        );
      seen.set(dir, target);
    }
    return problems;
  },
  create: (target, { dir }, deps) => new FileDropDriver(target, dir, deps.models),
};
