import { Run } from '../../entities/run.entity';
import type { Lifecycle } from '../../experiments.types';

export function copyRun(r: Run): Run {
  return Object.assign(new Run(), structuredClone(r));
}

export function matchesLifecycle(deletedAt: Date | null, lifecycle: Lifecycle): boolean {
  if (lifecycle === 'active') return deletedAt === null;
  if (lifecycle === 'deleted') return deletedAt !== null;
  return true;
}

export function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
