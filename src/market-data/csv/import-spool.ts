import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BarColumns } from './bar-columns';

export type OptionalColumn = 'open' | 'high' | 'low' | 'volume';

/** Rows buffered in memory before they are written to the spool file (×8 bytes per stored value). */
const BUFFER_ROWS = 8192;

/**
 * The accepted rows of one upload, on disk: fixed-width float64 records
 * [line, ts, close, ...the optional columns the header has], so memory stays bounded
 * however large the file is, and the database is only touched once the whole upload has
 * been read and validated. The file is unlinked right after it is opened: it needs no
 * cleanup and vanishes with the process if the service dies mid-import.
 */
export class ImportSpool {
  private readonly width: number;
  private readonly buffer: Float64Array;
  private buffered = 0;
  private written = 0;
  private closed = false;

  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly optional: OptionalColumn[],
    /** Where the spool lives (named in a disk-full answer). */
    readonly directory: string,
  ) {
    this.width = 3 + optional.length;
    this.buffer = new Float64Array(BUFFER_ROWS * this.width);
  }

  static async create(optional: OptionalColumn[], directory = os.tmpdir()): Promise<ImportSpool> {
    const file = path.join(directory, `mlwb-import-${randomUUID()}.spool`);
    const handle = await fs.promises.open(file, 'w+', 0o600);
    await fs.promises.unlink(file).catch(() => undefined);
    return new ImportSpool(handle, optional, directory);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.written + this.buffered;
  }

  /** Buffers one row; returns true when the buffer is full and `flush()` must be awaited. */
  push(line: number, ts: number, close: number, values: Record<OptionalColumn, number | null>): boolean {
    let i = this.buffered * this.width;
    const b = this.buffer;
    b[i++] = line;
    b[i++] = ts;
    b[i++] = close;
    for (const c of this.optional) b[i++] = values[c] ?? NaN;
    this.buffered++;
    return this.buffered === BUFFER_ROWS;
  }

  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    const bytes = this.buffered * this.width * 8;
    const data = new Uint8Array(this.buffer.buffer, 0, bytes);
    // A write can be short (a volume that is nearly full); the next attempt then fails with ENOSPC.
    for (let done = 0; done < bytes;) {
      const { bytesWritten } = await this.handle.write(data, done, bytes - done, this.written * this.width * 8 + done);
      if (bytesWritten === 0)
        throw Object.assign(new Error('import spool: no bytes written'), { code: 'ENOSPC', syscall: 'write' });
      done += bytesWritten;
    }
    this.written += this.buffered;
    this.buffered = 0;
  }

  /** Reads the rows back in file order, `size` at a time (call after the last flush). */
  async *chunks(size: number): AsyncGenerator<{ bars: BarColumns; lines: Float64Array }> {
    const record = this.width * 8;
    const raw = new Float64Array(size * this.width);
    for (let from = 0; from < this.written; from += size) {
      const n = Math.min(size, this.written - from);
      const { bytesRead } = await this.handle.read(
        new Uint8Array(raw.buffer, 0, n * record),
        0,
        n * record,
        from * record,
      );
      if (bytesRead !== n * record)
        throw new Error(`import spool: read ${bytesRead} of ${n * record} bytes at row ${from}`);
      const bars = new BarColumns(n);
      const lines = new Float64Array(n);
      const at: Partial<Record<OptionalColumn, number>> = {};
      this.optional.forEach((c, k) => (at[c] = 3 + k));
      const value = (base: number, c: OptionalColumn) => (at[c] === undefined ? null : nullable(raw[base + at[c]]));
      for (let r = 0; r < n; r++) {
        const base = r * this.width;
        lines[r] = raw[base];
        bars.push(
          raw[base + 1],
          value(base, 'open'),
          value(base, 'high'),
          value(base, 'low'),
          raw[base + 2],
          value(base, 'volume'),
        );
      }
      yield { bars, lines };
    }
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
