import { ModelCache } from './model-cache';

class Fake {
  disposed = false;
  constructor(
    readonly name: string,
    readonly bytes: number,
  ) {}
  dispose() {
    this.disposed = true;
  }
}

function loaderFor(bytes: Record<string, number> = {}) {
  const loads: string[] = [];
  const made: Record<string, Fake> = {};
  const load = (key: string) => async () => {
    loads.push(key);
    await new Promise((r) => setTimeout(r, 5));
    return (made[key] = new Fake(key, bytes[key] ?? 10));
  };
  return { loads, made, load };
}

describe('ModelCache', () => {
  it('loads on first use and reuses after', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 4, maxBytes: 1000 });
    const { loads, load } = loaderFor();
    expect(await cache.use('a', load('a'), (v) => v.name)).toBe('a');
    expect(await cache.use('a', load('a'), (v) => v.name)).toBe('a');
    expect(loads).toEqual(['a']);
    expect(cache.stats).toMatchObject({ misses: 1, hits: 1, loads: 1, entries: 1, bytes: 10 });
  });

  it('loads a key once when many ask for it at the same time', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 4, maxBytes: 1000 });
    const { loads, load } = loaderFor();
    const names = await Promise.all(Array.from({ length: 20 }, () => cache.use('a', load('a'), (v) => v.name)));
    expect(names.every((n) => n === 'a')).toBe(true);
    expect(loads).toEqual(['a']);
  });

  it('evicts the least recently used entry past the count bound, and disposes it', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 2, maxBytes: 1000 });
    const { load, made } = loaderFor();
    await cache.ensure('a', load('a'));
    await cache.ensure('b', load('b'));
    await cache.use('a', load('a'), () => undefined); // a is now the most recent
    await cache.ensure('c', load('c'));
    expect(cache.keys().sort()).toEqual(['a', 'c']);
    expect(made.b.disposed).toBe(true);
    expect(made.a.disposed).toBe(false);
    expect(cache.stats.evictions).toBe(1);
  });

  it('evicts past the byte bound, keeping the entry just loaded even when it alone is over', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 10, maxBytes: 100 });
    const { load, made } = loaderFor({ a: 40, b: 40, c: 50, huge: 500 });
    await cache.ensure('a', load('a'));
    await cache.ensure('b', load('b'));
    await cache.ensure('c', load('c'));
    expect(cache.keys()).toEqual(['b', 'c']);
    expect(cache.stats.bytes).toBe(90);
    await cache.ensure('huge', load('huge'));
    expect(cache.keys()).toEqual(['huge']);
    expect(made.b.disposed && made.c.disposed).toBe(true);
  });

  it('does not cache a failed load; the next use tries again', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 2, maxBytes: 1000 });
    let n = 0;
    const flaky = async () => {
      if (n++ === 0) throw new Error('corrupt');
      return new Fake('a', 1);
    };
    await expect(cache.use('a', flaky, (v) => v.name)).rejects.toThrow('corrupt');
    await expect(cache.use('a', flaky, (v) => v.name)).resolves.toBe('a');
    expect(cache.stats).toMatchObject({ loadFailures: 1, loads: 1 });
  });

  it('disposes an evicted entry only after its last user is done', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 1, maxBytes: 1000 });
    const { load, made } = loaderFor();
    let release!: () => void;
    const busy = cache.use('a', load('a'), () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 20));
    await cache.ensure('b', load('b')); // evicts a while it is in use
    expect(cache.keys()).toEqual(['b']);
    expect(made.a.disposed).toBe(false);
    release();
    await busy;
    expect(made.a.disposed).toBe(true);
  });

  it('evictWhere drops matching keys', async () => {
    const cache = new ModelCache<Fake>({ maxEntries: 5, maxBytes: 1000 });
    const { load } = loaderFor();
    for (const k of ['m@1', 'm@2', 'n@1']) await cache.ensure(k, load(k));
    expect(cache.evictWhere((k) => k.startsWith('m@'))).toBe(2);
    expect(cache.keys()).toEqual(['n@1']);
  });
});
