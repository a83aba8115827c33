import { PerformanceObserver, constants } from 'node:perf_hooks';

/** Garbage-collection pauses of this process while a tally runs (what a request waiting behind them sees). */
export interface GcTally {
  major_ms: number;
  minor_ms: number;
  major: number;
  minor: number;
}

/** Start counting this process's GC pauses; `stop()` returns the totals since the start. */
export function startGcTally(): { stop(): GcTally } {
  const tally: GcTally = { major_ms: 0, minor_ms: 0, major: 0, minor: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        tally.major++;
        tally.major_ms += e.duration;
      } else {
        tally.minor++;
        tally.minor_ms += e.duration;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return { ...tally, major_ms: Math.round(tally.major_ms), minor_ms: Math.round(tally.minor_ms) };
    },
  };
}
