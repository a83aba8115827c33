import { Injectable } from '@nestjs/common';
import { constants, type ReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface OpenedArtifact {
  stream: ReadStream;
  size: number;
}

/**
 * The disk side of run artifacts (design rule: side effects behind an injectable class).
 * Every method takes the registry root, the run's version directory under it and a path
 * relative to that directory, and refuses anything that is not a regular file strictly
 * inside the directory — also after symlinks are resolved — by answering null (the caller
 * turns that into a 404). The version directory itself must resolve to its own place under
 * the registry's real path: a symlinked model or version directory would otherwise serve
 * files from anywhere on the machine.
 */
@Injectable()
export class RunArtifactFiles {
  /** Size of the file, or null when it is absent, not a regular file, or outside `dir`. */
  async size(root: string, dir: string, relative: string): Promise<number | null> {
    const file = await this.resolve(root, dir, relative);
    if (!file) return null;
    const stats = await fsp.stat(file).catch(() => null);
    return stats?.isFile() ? stats.size : null;
  }

  async open(root: string, dir: string, relative: string): Promise<OpenedArtifact | null> {
    const file = await this.resolve(root, dir, relative);
    if (!file) return null;
    // O_NOFOLLOW: a file swapped for a symlink after the checks is refused, not followed.
    const handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
    if (!handle) return null;
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    return { stream: handle.createReadStream({ autoClose: true }), size: stats.size };
  }

  private async resolve(root: string, dir: string, relative: string): Promise<string | null> {
    const registry = path.resolve(root);
    const base = path.resolve(dir);
    const target = path.resolve(base, relative);
    if (!isStrictlyInside(registry, base) || !isStrictlyInside(base, target)) return null;
    const stats = await fsp.lstat(target).catch(() => null);
    if (!stats || !stats.isFile()) return null; // symlinks, directories, devices: refused
    const [realRegistry, realBase, realTarget] = await Promise.all(
      [registry, base, target].map((p) => fsp.realpath(p).catch(() => null)),
    );
    if (!realRegistry || !realBase || !realTarget) return null;
    // {model}/{version} must be the same path inside the real registry as it is by name.
    if (path.relative(realRegistry, realBase) !== path.relative(registry, base)) return null;
    if (!isStrictlyInside(realRegistry, realTarget) || !isStrictlyInside(realBase, realTarget)) return null;
    return realTarget;
  }
}

export function isStrictlyInside(base: string, target: string): boolean {
  const rel = path.relative(base, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/plain; charset=utf-8', // never rendered as a page from our origin
  '.png': 'image/png',
  '.svg': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
