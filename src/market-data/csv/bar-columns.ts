/**
 * Bars held column by column (typed arrays, NaN for "absent"), so a million parsed rows
 * take ~48 MB instead of a million objects.
 */
export class BarColumns {
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.ts = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  push(
    ts: number,
    open: number | null,
    high: number | null,
    low: number | null,
    close: number,
    volume: number | null,
  ): void {
    if (this.length === this.ts.length) this.grow();
    const i = this.length++;
    this.ts[i] = ts;
    this.open[i] = open ?? NaN;
    this.high[i] = high ?? NaN;
    this.low[i] = low ?? NaN;
    this.close[i] = close;
    this.volume[i] = volume ?? NaN;
  }

  private grow(): void {
    const size = this.ts.length * 2;
    for (const key of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) {
      const next = new Float64Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }

  /** A copy without the rows at the given indices. */
  without(drop: Set<number>): BarColumns {
    const out = new BarColumns(Math.max(1, this.length - drop.size));
    for (let i = 0; i < this.length; i++) {
      if (drop.has(i)) continue;
      const j = out.length++;
      for (const key of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) out[key][j] = this[key][i];
    }
    return out;
  }

  /** Rows [from, to) as plain arrays with null for absent values (for SQL parameters). */
  slice(from: number, to: number) {
    const nullable = (a: Float64Array) => Array.from(a.subarray(from, to), (v) => (Number.isNaN(v) ? null : v));
    return {
      ts: Array.from(this.ts.subarray(from, to)),
      open: nullable(this.open),
      high: nullable(this.high),
      low: nullable(this.low),
      close: Array.from(this.close.subarray(from, to)),
      volume: nullable(this.volume),
    };
  }
}
