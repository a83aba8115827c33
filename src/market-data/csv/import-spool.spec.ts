import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImportSpool } from './import-spool';

describe('ImportSpool', () => {
  it('gives back every row in order, in chunks, with absent values as null and only the columns the file has', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-spool-'));
    const spool = await ImportSpool.create(['high', 'volume'], dir);
    try {
      expect(fs.readdirSync(dir)).toEqual([]); // unlinked at once: nothing to clean up after a crash
      const n = 20_000; // more than one in-memory buffer (8192 rows)
      for (let i = 0; i < n; i++) {
        if (spool.push(i + 2, i * 60_000, 1 + i / 1e6, { open: 9, high: i % 3 === 0 ? null : 2, low: 9, volume: i }))
          await spool.flush();
      }
      await spool.flush();
      expect(spool.rows).toBe(n);
      const sizes: number[] = [];
      let row = 0;
      for await (const { bars, lines } of spool.chunks(7_000)) {
        sizes.push(bars.length);
        for (let k = 0; k < bars.length; k++, row++) {
          expect(lines[k]).toBe(row + 2);
          const slice = bars.slice(k, k + 1);
          expect([slice.ts[0], slice.open[0], slice.high[0], slice.low[0], slice.close[0], slice.volume[0]]).toEqual([
            row * 60_000,
            null,
            row % 3 === 0 ? null : 2,
            null,
            1 + row / 1e6,
            row,
          ]);
        }
      }
      expect(sizes).toEqual([7_000, 7_000, 6_000]);
      expect(fs.statSync(dir).isDirectory()).toBe(true);
    } finally {
      await spool.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
