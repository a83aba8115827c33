import { Injectable, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ConflictError, NotFoundError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { ArtifactCorruptError, type ArtifactProblem, storageError } from './artifact-errors';
import { ArtifactFs, sha256 } from './artifact-fs';
import {
  assertArtifactPath,
  assertModelId,
  assertVersion,
  isValidModelId,
  MANIFEST_FILE,
  resolveInside,
} from './artifact-ids';
import {
  type ArtifactContent,
  type ArtifactManifest,
  manifestProblem,
  prepareFiles,
  serializeManifest,
} from './artifact-manifest';

export interface WrittenVersion {
  /** Absolute path of the version directory. */
  path: string;
  manifest: ArtifactManifest;
  /** sha256 (hex) of manifest.json: one fingerprint of the whole version. */
  checksum: string;
}

/** A verified version: every listed file matched its manifest entry when it was opened. */
export interface StoredVersion {
  modelId: string;
  version: string;
  dir: string;
  manifest: ArtifactManifest;
  checksum: string;
  /** The listed files, sorted. */
  names: string[];
  /** A listed file's bytes, hashed again as they are read (so what you get is what was verified). */
  file(name: string): Promise<Buffer>;
  /** A listed file parsed as JSON. */
  json<T = unknown>(name: string): Promise<T>;
}

export interface ReadOptions {
  /** The checksum recorded at write time (model_versions.artifact_checksum): a rewritten manifest is corrupt. */
  expectedChecksum?: string;
}

export interface CleanupReport {
  /** Removed `.tmp-*` / `.trash-*` directories, relative to the registry root. */
  removed: string[];
  /** Those that could not be removed (left for the next cleanup). */
  failed: Array<{ path: string; error: string }>;
}

const TEMP_PREFIX = '.tmp-';
const TRASH_PREFIX = '.trash-';
/** Default age after which a `.tmp-*` directory counts as abandoned: no write takes an hour. */
export const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Model versions on disk: `MODEL_REGISTRY_PATH/{model_id}/{version}/`.
 *
 * MODEL_REGISTRY_PATH is shared by several processes (API replicas, workers; a ReadWriteMany
 * volume), so nothing here relies on process-local state: no in-memory locks or caches.
 * Mutual exclusion comes from the filesystem itself —
 *  - a version is written into a private `{model_id}/.tmp-{version}-XXXXXX` directory and
 *    published with one rename(2); renaming onto an existing (non-empty) version fails, so of
 *    two concurrent writers exactly one wins and a reader never sees half a version;
 *  - a version is removed by renaming it to `.trash-…` first, so it disappears at once and a
 *    crash mid-delete leaves only trash, which `cleanupTemp` removes.
 * Names starting with '.' in the registry root (e.g. `.pgdata`, the embedded database) are
 * never read, written or removed.
 */
@Injectable()
export class ArtifactStore {
  private readonly root: string;
  private readonly fs: ArtifactFs;

  constructor(config: AppConfig, @Optional() fs?: ArtifactFs) {
    this.root = path.resolve(config.modelRegistryPath);
    this.fs = fs ?? new ArtifactFs();
  }

  /** Absolute path of MODEL_REGISTRY_PATH (as configured: it may itself be a symlink). */
  get rootDir(): string {
    return this.root;
  }

  /** Absolute path of a version directory (validated; it may not exist). */
  versionDir(modelId: string, version: string): string {
    return resolveInside(this.root, assertModelId(modelId), assertVersion(version));
  }

  /**
   * Write a new version atomically. 409 MODEL_VERSION_EXISTS if it already exists (or another
   * writer publishes it first); 422 on an invalid id, version, path or content.
   */
  async write(modelId: string, version: string, files: Record<string, ArtifactContent>): Promise<WrittenVersion> {
    const finalDir = this.versionDir(modelId, version);
    const prepared = prepareFiles(files);
    const modelDir = resolveInside(this.root, modelId);
    if (await this.fs.lstat(finalDir)) throw this.exists409(modelId, version);

    let tempDir: string | undefined;
    try {
      await this.fs.mkdirp(modelDir);
      await this.fs.fsyncDir(this.root);
      tempDir = await this.fs.makeTempDir(path.join(modelDir, `${TEMP_PREFIX}${version}-`));
      resolveInside(this.root, modelId, path.basename(tempDir));

      const entries = Object.create(null) as ArtifactManifest['files']; // a path may be '__proto__'
      const dirs = new Set<string>([tempDir]);
      for (const { file, data } of prepared) {
        const target = resolveInside(tempDir, file);
        const parent = path.dirname(target);
        if (!dirs.has(parent)) {
          await this.fs.mkdirp(parent);
          for (let d = parent; d !== tempDir && d.startsWith(tempDir); d = path.dirname(d)) dirs.add(d);
        }
        await this.fs.writeFileDurable(target, data);
        entries[file] = { sha256: sha256(data), bytes: data.length };
      }
      const manifest: ArtifactManifest = {
        model_id: modelId,
        version,
        created_at: new Date().toISOString(),
        files: entries,
      };
      const manifestBytes = serializeManifest(manifest);
      await this.fs.writeFileDurable(path.join(tempDir, MANIFEST_FILE), manifestBytes);
      // Deepest directories first, so every entry is durable before the rename publishes it.
      for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await this.fs.fsyncDir(dir);

      try {
        await this.fs.rename(tempDir, finalDir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw this.exists409(modelId, version);
        throw e;
      }
      tempDir = undefined; // published: nothing to clean up
      await this.fs.fsyncDir(modelDir);
      return {
        path: finalDir,
        manifest: JSON.parse(manifestBytes.toString('utf8')) as ArtifactManifest,
        checksum: sha256(manifestBytes),
      };
    } catch (e) {
      // An ordinary failure cleans up after itself; a crash leaves `.tmp-*` for cleanupTemp.
      if (tempDir) await this.fs.removeTree(tempDir).catch(() => undefined);
      throw storageError(e, 'write', `${modelId}/${version}`);
    }
  }

  /**
   * Open a version after verifying it: the manifest exists and parses, and every file it
   * lists exists, is a regular file inside the version directory, and has the listed size and
   * sha256. 404 MODEL_VERSION_NOT_FOUND when the version does not exist; 500 ARTIFACT_CORRUPT
   * (naming each file and check) when it does not match; 422 on an invalid id or version.
   */
  async read(modelId: string, version: string, options: ReadOptions = {}): Promise<StoredVersion> {
    return this.open(modelId, version, options, true);
  }

  /**
   * One listed file parsed as JSON (e.g. `metrics.json`). Verifies the manifest and that file
   * only — reading metrics should not hash the weights; `read` verifies everything.
   */
  async readJson<T = unknown>(modelId: string, version: string, name: string, options: ReadOptions = {}): Promise<T> {
    const stored = await this.open(modelId, version, options, false);
    return stored.json<T>(name);
  }

  /**
   * One listed file's bytes (e.g. `model/model.onnx` for download), verified against the
   * manifest (and the manifest against `expectedChecksum`); the other files are not hashed.
   * Null when the version does not list the file.
   */
  async readFile(
    modelId: string,
    version: string,
    name: string,
    options: ReadOptions = {},
  ): Promise<{ data: Buffer; sha256: string } | null> {
    const stored = await this.open(modelId, version, options, false);
    if (!stored.names.includes(name)) return null;
    return { data: await stored.file(name), sha256: stored.manifest.files[name].sha256 };
  }

  /** The version's manifest (checked against `expectedChecksum`) and one JSON file of it, without hashing the others. */
  async manifestAndJson<T = unknown>(
    modelId: string,
    version: string,
    name: string,
    options: ReadOptions = {},
  ): Promise<{ manifest: ArtifactManifest; json: T | null }> {
    const stored = await this.open(modelId, version, options, false);
    return { manifest: stored.manifest, json: stored.names.includes(name) ? await stored.json<T>(name) : null };
  }

  /** Whether the version is published (its manifest is there). Does not verify it. */
  async exists(modelId: string, version: string): Promise<boolean> {
    const stats = await this.fs.lstat(path.join(this.versionDir(modelId, version), MANIFEST_FILE));
    return stats?.isFile() ?? false;
  }

  /**
   * Remove a version: renamed to `.trash-…` first (it vanishes in one step, so no reader sees
   * it half-deleted), then deleted. Returns false when it did not exist. If the delete fails the
   * trash stays for `cleanupTemp`; the version is gone either way.
   */
  async remove(modelId: string, version: string): Promise<boolean> {
    const dir = this.versionDir(modelId, version);
    const trash = resolveInside(this.root, modelId, `${TRASH_PREFIX}${version}-${randomBytes(6).toString('hex')}`);
    try {
      await this.fs.rename(dir, trash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storageError(e, 'remove', `${modelId}/${version}`);
    }
    await this.fs.fsyncDir(path.dirname(dir)).catch(() => undefined);
    // rename keeps the old mtime; a fresh one stops another process's cleanup racing this delete.
    await this.fs.touch(trash).catch(() => undefined);
    await this.fs.removeTree(trash).catch(() => undefined);
    return true;
  }

  /**
   * Remove `.tmp-*` (crashed writes) and `.trash-*` (crashed deletes) directories in which
   * nothing changed for `olderThanMs`. Call at start. The age check matters because the volume
   * is shared: a young `.tmp-*` may be another process's write in progress.
   */
  async cleanupTemp(olderThanMs: number = DEFAULT_STALE_TEMP_MS): Promise<CleanupReport> {
    const report: CleanupReport = { removed: [], failed: [] };
    const now = Date.now();
    for (const model of await this.fs.readdir(this.root)) {
      // Only model directories: never '.pgdata' or anything else that is not an id.
      if (!model.isDirectory() || !isValidModelId(model.name)) continue;
      const modelDir = resolveInside(this.root, model.name);
      for (const entry of await this.fs.readdir(modelDir)) {
        if (!entry.name.startsWith(TEMP_PREFIX) && !entry.name.startsWith(TRASH_PREFIX)) continue;
        const relative = `${model.name}/${entry.name}`;
        try {
          const target = resolveInside(this.root, model.name, entry.name);
          if (now - (await this.fs.newestMtimeMs(target)) < olderThanMs) continue;
          await this.fs.removeTree(target);
          report.removed.push(relative);
        } catch (e) {
          report.failed.push({ path: relative, error: (e as Error).message });
        }
      }
    }
    return report;
  }

  private exists409(modelId: string, version: string): ConflictError {
    return new ConflictError(
      `Model ${modelId} already has a version ${version}; versions are immutable, write a new one`,
      { model_id: modelId, version },
      'MODEL_VERSION_EXISTS',
    );
  }

  private notFound(modelId: string, version: string): NotFoundError {
    return new NotFoundError(
      `Model ${modelId} has no stored version ${version}`,
      { model_id: modelId, version },
      'MODEL_VERSION_NOT_FOUND',
    );
  }

  private async open(
    modelId: string,
    version: string,
    options: ReadOptions,
    verifyAll: boolean,
  ): Promise<StoredVersion> {
    const dir = this.versionDir(modelId, version);
    const dirStats = await this.fs.lstat(dir);
    if (!dirStats) throw this.notFound(modelId, version);
    const corrupt = (problems: ArtifactProblem[]) => new ArtifactCorruptError(modelId, version, problems);
    if (!dirStats.isDirectory())
      throw corrupt([{ file: '.', check: 'type', reason: 'the version path is not a directory' }]);
    // A symlinked model or version directory would let reads leave the registry.
    const [realRoot, realDir] = await Promise.all([this.fs.realpath(this.root), this.fs.realpath(dir)]);
    if (path.relative(realRoot, realDir) !== path.join(modelId, version)) {
      throw corrupt([
        { file: '.', check: 'location', reason: 'the version directory resolves outside its place in the registry' },
      ]);
    }

    // A version deleted while we read it is "not found", not "corrupt".
    const goneOr = async (e: Error) => ((await this.fs.lstat(dir)) ? e : this.notFound(modelId, version));

    const manifestPath = path.join(dir, MANIFEST_FILE);
    const manifestStats = await this.fs.lstat(manifestPath);
    if (!manifestStats) throw await goneOr(corrupt([{ file: MANIFEST_FILE, check: 'present' }]));
    if (!manifestStats.isFile()) throw corrupt([{ file: MANIFEST_FILE, check: 'type', reason: 'not a regular file' }]);
    const manifestBytes = await this.fs.readFile(manifestPath);
    const checksum = sha256(manifestBytes);
    if (options.expectedChecksum !== undefined && options.expectedChecksum !== checksum) {
      throw corrupt([{ file: MANIFEST_FILE, check: 'checksum', expected: options.expectedChecksum, actual: checksum }]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(manifestBytes.toString('utf8'));
    } catch (e) {
      throw corrupt([{ file: MANIFEST_FILE, check: 'manifest', reason: `not valid JSON: ${(e as Error).message}` }]);
    }
    const problem = manifestProblem(parsed, modelId, version);
    if (problem) throw corrupt([{ file: MANIFEST_FILE, check: 'manifest', reason: problem }]);
    const manifest = parsed as ArtifactManifest;
    const names = Object.keys(manifest.files).sort();

    const verify = async (name: string): Promise<ArtifactProblem | null> => {
      const expected = manifest.files[name];
      const file = resolveInside(dir, name);
      const stats = await this.fs.lstat(file);
      if (!stats) return { file: name, check: 'present' };
      if (!stats.isFile())
        return { file: name, check: 'type', reason: stats.isSymbolicLink() ? 'a symbolic link' : 'not a regular file' };
      const real = await this.fs.realpath(file);
      if (path.relative(realDir, real) !== name.split('/').join(path.sep))
        return { file: name, check: 'location', reason: 'it resolves outside the version directory' };
      if (stats.size !== expected.bytes)
        return { file: name, check: 'size', expected: expected.bytes, actual: stats.size };
      const actual = await this.fs.hashFile(file);
      if (actual.bytes !== expected.bytes)
        return { file: name, check: 'size', expected: expected.bytes, actual: actual.bytes };
      if (actual.sha256 !== expected.sha256)
        return { file: name, check: 'sha256', expected: expected.sha256, actual: actual.sha256 };
      return null;
    };

    if (verifyAll) {
      const problems: ArtifactProblem[] = [];
      for (const name of names) {
        // A file vanishing or being swapped for a symlink between lstat and open is still a
        // problem with that file; any other I/O error (EACCES, EIO…) is not corruption: rethrown.
        const p = await verify(name).catch((e: NodeJS.ErrnoException): ArtifactProblem => {
          if (e.code === 'ENOENT') return { file: name, check: 'present' };
          if (e.code === 'ELOOP') return { file: name, check: 'type', reason: 'a symbolic link' };
          throw e;
        });
        if (p) problems.push(p);
      }
      if (problems.length > 0) throw await goneOr(corrupt(problems));
    }

    const file = async (name: string): Promise<Buffer> => {
      if (!Object.hasOwn(manifest.files, name)) {
        assertArtifactPath(name);
        throw new NotFoundError(
          `Version ${modelId}/${version} has no file ${name}`,
          { model_id: modelId, version, file: name, files: names },
          'ARTIFACT_FILE_NOT_FOUND',
        );
      }
      const expected = manifest.files[name];
      const target = resolveInside(dir, name);
      let data: Buffer;
      try {
        data = await this.fs.readFile(target);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw await goneOr(corrupt([{ file: name, check: 'present' }]));
        if (code === 'ELOOP' || code === 'EISDIR')
          throw corrupt([{ file: name, check: 'type', reason: 'not a regular file' }]);
        throw e;
      }
      if (data.length !== expected.bytes)
        throw corrupt([{ file: name, check: 'size', expected: expected.bytes, actual: data.length }]);
      const actual = sha256(data);
      if (actual !== expected.sha256)
        throw corrupt([{ file: name, check: 'sha256', expected: expected.sha256, actual }]);
      return data;
    };

    const json = async <T>(name: string): Promise<T> => {
      const data = await file(name);
      try {
        return JSON.parse(data.toString('utf8')) as T;
      } catch (e) {
        throw corrupt([{ file: name, check: 'json', reason: (e as Error).message }]);
      }
    };

    return { modelId, version, dir, manifest, checksum, names, file, json };
  }
}
