import { Injectable } from '@nestjs/common';
import type { ReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface OpenedArtifact {
  stream: ReadStream;
  size: number;
}

/**
 * The disk side of run artifacts (design rule: side effects behind an injectable class).
 * Every method takes the run's version directory and a path relative to it, and refuses
 * anything that is not a regular file strictly inside that directory — also after symlinks
 * are resolved — by answering null (the caller turns that into a 404).
 */
@Injectable()
export class RunArtifactFiles {
  /** Size of the file, or null when it is absent, not a regular file, or outside `dir`. */
  async size(dir: string, relative: string): Promise<number | null> {
    const file = await this.resolve(dir, relative);
    if (!file) return null;
    const stats = await fsp.stat(file).catch(() => null);
    return stats?.isFile() ? stats.size : null;
  }

  async open(dir: string, relative: string): Promise<OpenedArtifact | null> {
    const file = await this.resolve(dir, relative);
    if (!file) return null;
    const handle = await fsp.open(file, 'r').catch(() => null);
    if (!handle) return null;
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    return { stream: handle.createReadStream({ autoClose: true }), size: stats.size };
  }

  private async resolve(dir: string, relative: string): Promise<string | null> {
    const base = path.resolve(dir);
    const target = path.resolve(base, relative);
    if (!isStrictlyInside(base, target)) return null;
    const stats = await fsp.lstat(target).catch(() => null);
    if (!stats || !stats.isFile()) return null; // symlinks, directories, devices: refused
    const [realBase, realTarget] = await Promise.all([fsp.realpath(base).catch(() => null), fsp.realpath(target).catch(() => null)]);
    if (!realBase || !realTarget || !isStrictlyInside(realBase, realTarget)) return null;
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
