import { Logger } from '@nestjs/common';
import { BufferedFlush } from './buffered-flush';

function setup(write: (batch: number[]) => Promise<number[] | void>, ready = () => true) {
  const warnings: string[] = [];
  const logger = new Logger('test');
  logger.warn = (m: string) => void warnings.push(m);
  const f = new BufferedFlush<number[]>({
    kind: { empty: () => [], size: (b) => b.length, merge: (older, newer) => older.concat(newer) },
    intervalMs: 60_000,
    ready,
    write,
    logger,
    items: 'numbers',
  });
  return { f, warnings };
}

describe('BufferedFlush', () => {
  it('writes what was buffered, once', async () => {
    const written: number[][] = [];
    const { f } = setup((b) => {
      written.push(b);
      return Promise.resolve();
    });
    f.buffer.push(1, 2);
    await f.flush();
    await f.flush();
    expect(written).toEqual([[1, 2]]);
  });

  it('a failed write puts its batch back in front of what arrived meanwhile', async () => {
    let fail = true;
    const written: number[][] = [];
    const { f, warnings } = setup((b) => {
      if (fail) {
        f.buffer.push(3); // arrives while the write is under way
        return Promise.reject(new Error('down'));
      }
      written.push(b);
      return Promise.resolve();
    });
    f.buffer.push(1, 2);
    await expect(f.flush()).rejects.toThrow('down');
    expect(warnings[0]).toContain('down');
    fail = false;
    await f.flush();
    expect(written).toEqual([[1, 2, 3]]);
  });

  it('keeps what a write hands back, and reports dropped items at the next flush', async () => {
    const written: number[][] = [];
    const { f, warnings } = setup((b) => {
      written.push(b);
      return Promise.resolve(written.length === 1 ? b.filter((x) => x > 1) : undefined);
    });
    f.buffer.push(1, 2);
    f.drop();
    await f.flush();
    await f.flush();
    expect(written).toEqual([[1, 2], [2]]);
    expect(warnings).toEqual(['numbers buffer full: 1 not kept']);
  });

  it('waits while there is nowhere to write, and stop() flushes and then refuses more', async () => {
    let open = false;
    const written: number[][] = [];
    const { f } = setup(
      (b) => {
        written.push(b);
        return Promise.resolve();
      },
      () => open,
    );
    f.buffer.push(1);
    await f.flush();
    expect(written).toEqual([]);
    open = true;
    expect(f.accepting).toBe(true);
    await f.stop();
    expect(written).toEqual([[1]]);
    expect(f.accepting).toBe(false);
  });
});
