/**
 * A bounded in-memory cache of loaded models: at most `maxEntries` entries and `maxBytes`
 * bytes; the least recently used entry goes first. Loads are single-flight (concurrent
 * requests for a key that is loading share one load), and a failed load is not cached.
 *
 * An evicted entry is disposed only once nobody uses it any more: callers hold it through
 * {@link ModelCache.use}, which counts users, so a forward pass never runs on freed weights.
 *
 * Pure: no Nest, no tfjs. Values say their size and how to dispose of themselves.
 */
export interface Cacheable {
  readonly bytes: number;
  /** Free what the value holds (weights…); may wait for work in progress. */
  dispose(): void | Promise<void>;
}

export interface ModelCacheOptions {
  maxEntries: number;
  maxBytes: number;
}

export interface ModelCacheStats {
  hits: number;
  misses: number;
  loads: number;
  loadFailures: number;
  evictions: number;
  entries: number;
  bytes: number;
}

interface Entry<V extends Cacheable> {
  value: V;
  users: number;
  evicted: boolean;
}

export type CacheEvent = 'hit' | 'miss' | 'load' | 'load_failure' | 'eviction';

export class ModelCache<V extends Cacheable> {
  /** Insertion order = recency order (a hit re-inserts): the first key is the LRU one. */
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<Entry<V>>>();
  private totalBytes = 0;
  private readonly counters = { hits: 0, misses: 0, loads: 0, loadFailures: 0, evictions: 0 };

  constructor(
    private readonly options: ModelCacheOptions,
    private readonly onEvent?: (event: CacheEvent, key: string) => void,
  ) {}

  get stats(): ModelCacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.totalBytes };
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The loaded values, least recently used first. */
  values(): V[] {
    return [...this.entries.values()].map((e) => e.value);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value for `key` (loaded with `load` on a miss), held while `fn` runs. */
  async use<R>(key: string, load: () => Promise<V>, fn: (value: V) => R | Promise<R>): Promise<R> {
    let entry: Entry<V> | undefined;
    // An entry evicted between its load and this caller's turn (another load pushed it out)
    // is loaded again: never run on a disposed value.
    for (let attempt = 0; attempt < 3 && (!entry || entry.evicted); attempt++) {
      const hit = this.entries.get(key);
      entry = hit ? this.touch(key, hit) : await this.acquireSlow(key, load);
    }
    if (!entry || entry.evicted)
      throw new Error(
        `model ${key} was evicted from the cache before it could be used; the cache is too small for the models in use`,
      );
    entry.users++;
    try {
      return await fn(entry.value);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) void this.dispose(entry);
    }
  }

  /** Load `key` if absent (warming); resolves when it is in the cache. */
  async ensure(key: string, load: () => Promise<V>): Promise<void> {
    await this.use(key, load, () => undefined);
  }

  /** Drop every entry whose key `matches` (e.g. one model's versions); returns how many. */
  evictWhere(matches: (key: string) => boolean): number {
    let n = 0;
    for (const key of [...this.entries.keys()]) {
      if (matches(key)) {
        this.evict(key);
        n++;
      }
    }
    return n;
  }

  /** Drop everything (on shutdown). */
  clear(): void {
    this.evictWhere(() => true);
  }

  private async acquireSlow(key: string, load: () => Promise<V>): Promise<Entry<V>> {
    // Re-check: the key may have been inserted while the caller awaited.
    const hit = this.entries.get(key);
    if (hit) return this.touch(key, hit);
    const inFlight = this.loading.get(key);
    if (inFlight) {
      this.counters.hits++;
      this.onEvent?.('hit', key);
      return inFlight;
    }
    this.counters.misses++;
    this.onEvent?.('miss', key);
    const promise = (async () => {
      let value: V;
      try {
        value = await load();
      } catch (e) {
        this.counters.loadFailures++;
        this.onEvent?.('load_failure', key);
        throw e;
      } finally {
        this.loading.delete(key);
      }
      this.counters.loads++;
      this.onEvent?.('load', key);
      const entry: Entry<V> = { value, users: 0, evicted: false };
      this.entries.set(key, entry);
      this.totalBytes += value.bytes;
      this.shrink(key);
      return entry;
    })();
    this.loading.set(key, promise);
    return promise;
  }

  private touch(key: string, entry: Entry<V>): Entry<V> {
    this.counters.hits++;
    this.onEvent?.('hit', key);
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Evict least recently used entries (never `keep`, the one just loaded) until within bounds. */
  private shrink(keep: string): void {
    for (const key of [...this.entries.keys()]) {
      if (this.entries.size <= this.options.maxEntries && this.totalBytes <= this.options.maxBytes) return;
      if (key !== keep) this.evict(key);
    }
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.value.bytes;
    entry.evicted = true;
    this.counters.evictions++;
    this.onEvent?.('eviction', key);
    if (entry.users === 0) void this.dispose(entry);
  }

  private async dispose(entry: Entry<V>): Promise<void> {
    try {
      await entry.value.dispose();
    } catch {
      /* a failed dispose must not take a request down */
    }
  }
}
