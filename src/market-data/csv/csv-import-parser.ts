import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import {
  BadRequestError,
  DataValidationError,
  InsufficientStorageError,
  PayloadTooLargeError,
} from '../../common/errors/app-error';
import { isStorageFull } from '../../common/errors/to-app-error';
import type { Timeframe } from '../timeframes';
import { ImportSpool, type OptionalColumn } from './import-spool';
import { indexHeader, validateRow, type ColumnIndex } from './row-validator';

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface ParsedImport {
  /** The accepted rows, on disk (the caller disposes it). */
  spool: ImportSpool;
  rows: number;
  /** Timestamps strictly increasing in file order: then no row can repeat an earlier one. */
  increasing: boolean;
  first: number | null;
  last: number | null;
  rejected: RejectedRow[];
  rejectedTotal: number;
  /** Which optional columns the file has (close is always there). */
  columns: { open: boolean; high: boolean; low: boolean; volume: boolean };
}

/** How many rejected rows are listed in the answer; the total is always given. */
export const MAX_REJECTED_LISTED = 1000;

const OPTIONAL: OptionalColumn[] = ['open', 'high', 'low', 'volume'];

/**
 * Reads a CSV upload as a stream (csv-parse; the text is never held whole), validating
 * each row and spooling the accepted ones to disk, so memory stays bounded whatever the
 * file's size. Whole-file problems throw before anything is stored: unreadable CSV → 400,
 * no usable header → 422, larger than `maxBytes` → 413, the spool's volume full → 507.
 * Rows that repeat an earlier timestamp are found later, when the spool is written
 * (see SeriesWriter), unless the timestamps only ever increase.
 */
export async function parseCsvImport(
  stream: Readable,
  timeframe: Timeframe,
  maxBytes: number,
  spoolDirectory?: string,
): Promise<ParsedImport> {
  let bytes = 0;
  const parser = parse({
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    bom: true,
    max_record_size: 64 * 1024,
    info: true,
  });
  let spool: ImportSpool | undefined;
  const rejected: RejectedRow[] = [];
  let rejectedTotal = 0;
  let index: ColumnIndex | undefined;
  let expectedCells = 0;
  let increasing = true;
  let previous = -Infinity;
  let first: number | null = null;
  let last: number | null = null;
  const reject = (line: number, reason: string) => {
    rejectedTotal++;
    if (rejected.length < MAX_REJECTED_LISTED) rejected.push({ line, reason });
  };

  const sizeGuard = new Promise<never>((_, fail) => {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        // Stop parsing but keep reading (and discarding) the upload, so the client gets the
        // 413 answer instead of a reset connection.
        stream.unpipe(parser);
        parser.destroy();
        stream.resume();
        fail(
          new PayloadTooLargeError(
            `The CSV is larger than the import limit of ${maxBytes} bytes; nothing was imported. Split the file or raise MARKET_DATA_IMPORT_MAX_BYTES.`,
            { limit_bytes: maxBytes },
          ),
        );
      }
    });
    stream.on('error', (e) => fail(new BadRequestError(`The upload could not be read: ${e.message}`)));
  });

  const consume = async () => {
    stream.pipe(parser);
    // With `info`, each record carries its own line number (the parser's running counter
    // is ahead of the consumer).
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (!index) {
        const header = indexHeader(record);
        if ('error' in header)
          throw new DataValidationError(`The CSV cannot be imported: ${header.error}`, null, 'CSV_HEADER_INVALID');
        index = header;
        expectedCells = record.length;
        spool = await ImportSpool.create(
          OPTIONAL.filter((c) => header[c] !== undefined),
          spoolDirectory,
        );
        continue;
      }
      if (record.length !== expectedCells) {
        reject(line, `expected ${expectedCells} columns as in the header, found ${record.length}`);
        continue;
      }
      const row = validateRow(record, index, timeframe);
      if ('reason' in row) {
        reject(line, row.reason);
        continue;
      }
      if (row.ts <= previous) increasing = false;
      previous = row.ts;
      if (first === null || row.ts < first) first = row.ts;
      if (last === null || row.ts > last) last = row.ts;
      if (spool!.push(line, row.ts, row.close, row)) await spool!.flush();
    }
    await spool?.flush();
  };

  try {
    await Promise.race([consume(), sizeGuard]);
  } catch (e) {
    await spool?.dispose();
    // Discard the rest of the upload: a half-read body left paused would stall the
    // keep-alive connection, so the client's next request on it would never be answered.
    stream.unpipe(parser);
    stream.resume();
    if (e instanceof PayloadTooLargeError || e instanceof DataValidationError || e instanceof BadRequestError) throw e;
    if (isStorageFull(e)) {
      throw new InsufficientStorageError(
        `The volume that buffers uploads (${spool?.directory ?? spoolDirectory ?? 'the OS temp dir'}) is full; nothing was imported. Free space there (or point MARKET_DATA_IMPORT_SPOOL_DIR elsewhere) and retry`,
        { reason: 'spool_disk_full' },
      );
    }
    // A failing system call (the spool's disk: EACCES, EROFS…) is not the client's CSV.
    if (typeof (e as { syscall?: unknown }).syscall === 'string') throw e;
    const code = (e as { code?: string }).code;
    throw new BadRequestError(
      `The body cannot be read as CSV${code ? ` (${code})` : ''}: ${(e as Error).message}; nothing was imported`,
      null,
      'CSV_UNREADABLE',
    );
  }
  if (!index || !spool)
    throw new DataValidationError(
      'The CSV is empty: it needs a header with timestamp and close columns, then one row per bar',
      null,
      'CSV_EMPTY',
    );
  return {
    spool,
    rows: spool.rows,
    increasing,
    first,
    last,
    rejected,
    rejectedTotal,
    columns: {
      open: index.open !== undefined,
      high: index.high !== undefined,
      low: index.low !== undefined,
      volume: index.volume !== undefined,
    },
  };
}
