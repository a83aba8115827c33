import { Inject, Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import { InsufficientStorageError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { DATABASE_KIND, type DatabaseKind } from '../database/database.tokens';

/**
 * Disk the embedded database needs per stored bar: heap tuple, primary-key entry and the
 * WAL written for both, with slack (the data directory grew 390–480 bytes per imported
 * bar in `npm run bench:import`, see bench/README.md).
 */
export const EMBEDDED_BYTES_PER_BAR = 600;
/** Kept free beyond the estimate: PGlite creates WAL in 16 MiB segments (two of them). */
export const EMBEDDED_RESERVE_BYTES = 32 * 2 ** 20;

/**
 * Checks free space before a bulk write to the embedded database. PGlite does not survive
 * running out of disk: after its "No space left on device" error (53100) the next query
 * spins inside WebAssembly and freezes the whole process. So on the embedded database a
 * write that would not fit is refused (507) before it starts. PostgreSQL fails such a
 * write with 53100 itself and recovers, so nothing is checked there.
 */
@Injectable()
export class EmbeddedSpace {
  constructor(
    private readonly config: AppConfig,
    @Inject(DATABASE_KIND) private readonly databaseKind: DatabaseKind,
  ) {}

  async assertRoomFor(bars: number, what: string): Promise<void> {
    if (this.databaseKind !== 'embedded' || bars === 0) return;
    const dir = this.config.embeddedDataDir;
    const free = await freeBytes(dir);
    if (free === null) return;
    const needed = bars * EMBEDDED_BYTES_PER_BAR + EMBEDDED_RESERVE_BYTES;
    if (free < needed) {
      throw new InsufficientStorageError(
        `Not enough disk for ${what}: the embedded database (${dir}) has ${mib(free)} MiB free and writing ${bars} bars needs about ${mib(needed)} MiB; nothing was written. Free space on that volume (MODEL_REGISTRY_PATH) and retry`,
        { reason: 'database_disk_full', free_bytes: free, needed_bytes: needed, bars },
      );
    }
  }
}

async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await fs.promises.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
