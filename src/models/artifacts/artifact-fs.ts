import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Every disk operation the artifact store performs, behind one injectable class (design
 * rule: side effects are swappable). Tests subclass it to simulate a crash half-way through
 * a write or a failing delete; a second implementation (object storage) would start here.
 *
 * Durability: files are fsynced before the directory that holds them is renamed, and
 * directories are fsynced after entries are added or renamed, so after a power loss a
 * version directory is either absent or complete.
 */
@Injectable()
export class ArtifactFs {
  async mkdirp(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
  }

  /** A new, uniquely named directory `${prefix}XXXXXX` (mkdtemp: no two processes get the same). */
  async makeTempDir(prefix: string): Promise<string> {
    return fsp.mkdtemp(prefix);
  }

  /** Create `file` (never overwrite: 'wx'), write `data`, fsync, close. */
  async writeFileDurable(file: string, data: Buffer): Promise<void> {
    const handle = await fsp.open(file, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** fsync a directory so entries created or renamed in it survive a power loss. */
  async fsyncDir(dir: string): Promise<void> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      await handle.sync();
    } catch (e) {
      // Some filesystems (and some network mounts) do not support fsync on a directory.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EBADF' && code !== 'EPERM') throw e;
    } finally {
      await handle?.close();
    }
  }

  /** rename(2): atomic; fails with ENOTEMPTY/EEXIST when `to` is a non-empty directory. */
  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(from, to);
  }

  async removeTree(target: string): Promise<void> {
    await fsp.rm(target, { recursive: true, force: true, maxRetries: 3 });
  }

  /** lstat (never follows a symlink), or null when nothing is there. */
  async lstat(target: string): Promise<Stats | null> {
    try {
      return await fsp.lstat(target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw e;
    }
  }

  async realpath(target: string): Promise<string> {
    return fsp.realpath(target);
  }

  /** Read a file without following a symlink in its last component. */
  async readFile(file: string): Promise<Buffer> {
    const handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  /** sha256 and byte count of a file, streamed (weights can be large). */
  async hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    const handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        hash.update(chunk.subarray(0, bytesRead));
        bytes += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return { sha256: hash.digest('hex'), bytes };
  }

  async readdir(dir: string): Promise<Dirent[]> {
    try {
      return await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw e;
    }
  }

  /**
   * The latest mtime of `target` and everything under it: a temporary directory some other
   * process is still writing keeps getting newer, an abandoned one does not.
   */
  async newestMtimeMs(target: string): Promise<number> {
    const stats = await this.lstat(target);
    if (!stats) return 0;
    let newest = stats.mtimeMs;
    if (stats.isDirectory()) {
      for (const entry of await this.readdir(target)) {
        newest = Math.max(newest, await this.newestMtimeMs(path.join(target, entry.name)));
      }
    }
    return newest;
  }

  /** Set a path's mtime to now (marks a `.trash-*` directory as freshly abandoned). */
  async touch(target: string): Promise<void> {
    const now = new Date();
    await fsp.utimes(target, now, now);
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
