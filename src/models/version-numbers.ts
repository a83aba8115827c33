/** 1.0.0 for the first version of a model, then 1.1.0, 1.2.0, … (a retrain is a minor bump). */
export function nextVersion(existing: string[]): string {
  let best: [number, number, number] | null = null;
  for (const v of existing) {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
    if (!m) continue;
    const parts: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!best || compare(parts, best) > 0) best = parts;
  }
  return best ? `${best[0]}.${best[1] + 1}.0` : '1.0.0';
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number) as [number, number, number];
  const pb = b.split('.').map(Number) as [number, number, number];
  return compare(pa, pb);
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
