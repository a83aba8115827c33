import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';

/** What is stored: per table of the public schema its row count and a hash of all its rows; per file under the registry its sha1. */
export type Fingerprint = Record<string, string>;

/**
 * Takes fingerprints of the stored state: every table of the service's schema (row count +
 * a sum of per-row hashes of the rows as text) and every file and folder under the model
 * registry (the embedded database's own folder excepted). pg-boss's schema is left out:
 * its maintenance writes on its own clock (and a queued job also shows as a training_jobs row).
 */
export class StateFingerprinter {
  private sql?: string;
  private readonly hashes = new Map<string, { key: string; hash: string }>();
  /** Milliseconds spent in the database and on the disk part (for profiling). */
  readonly spent = { database: 0, files: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly registryPath: string,
    /** Called first, e.g. to flush buffered monitoring writes (they belong to earlier 2xx answers). */
    private readonly settle: () => Promise<void> = async () => undefined,
  ) {}

  async take(): Promise<Fingerprint> {
    await this.settle();
    if (!this.sql) {
      const tables: Array<{ table_name: string }> = await this.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      );
      this.sql = tables
        // An order-free sum of per-row hashes: as sensitive to any changed, added or removed
        // row as an md5 of the sorted rows, without the sort (this runs around every request).
        .map(
          ({ table_name }) =>
            `SELECT '${table_name}' AS t, count(*)::int AS n, coalesce(sum(hashtext(x::text)::bigint), 0)::text AS h FROM public."${table_name}" x`,
        )
        .join(' UNION ALL ');
    }
    const out: Fingerprint = {};
    const t0 = performance.now();
    for (const row of await this.dataSource.query<Array<{ t: string; n: number; h: string }>>(this.sql))
      out[`table ${row.t}`] = `${row.n} rows ${row.h}`;
    const t1 = performance.now();
    this.walk(this.registryPath, '', out);
    this.spent.database += t1 - t0;
    this.spent.files += performance.now() - t1;
    return out;
  }

  /** sha1 of a file, read again only when its size, mtime or inode changed. */
  private hashOf(file: string): string {
    try {
      const st = fs.statSync(file);
      const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
      const cached = this.hashes.get(file);
      if (cached?.key === key) return cached.hash;
      const hash = createHash('sha1').update(fs.readFileSync(file)).digest('hex');
      this.hashes.set(file, { key, hash });
      return hash;
    } catch {
      return 'unreadable';
    }
  }

  private walk(dir: string, rel: string, out: Fingerprint): void {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.pgdata') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        out[`dir ${r}`] = '';
        this.walk(full, r, out);
      } else {
        out[`file ${r}`] = this.hashOf(full);
      }
    }
  }
}

/** The entries that differ between two fingerprints, for a failure message. */
export function diffFingerprints(before: Fingerprint, after: Fingerprint): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => before[k] !== after[k])
    .map((k) => `${k}: ${before[k] ?? '(absent)'} → ${after[k] ?? '(absent)'}`);
}
