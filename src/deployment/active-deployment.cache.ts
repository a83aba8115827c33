import { Injectable } from '@nestjs/common';

interface Entry<T> {
  value: T;
  expires: number;
}

/**
 * A short-lived per-process cache of "which deployment is active for (model, target)", so the
 * prediction hot path does not query the database on every request. Changes made by this
 * process invalidate it at once; other processes see them within DEPLOYMENT_LOOKUP_CACHE_MS.
 */
@Injectable()
export class ActiveDeploymentCache {
  private readonly entries = new Map<string, Entry<unknown>>();

  get<T>(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value as T;
  }

  set(key: string, value: unknown, ttlMs: number): void {
    if (ttlMs <= 0) return;
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { value, expires: Date.now() + ttlMs });
  }

  /** Forget everything cached about a model. Keys start with `<modelId>\u0000`. */
  invalidate(modelId: string): void {
    const prefix = `${modelId}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
