/**
 * Mutual information estimators (nats), k-nearest-neighbour based, the same estimators
 * scikit-learn's mutual_info_regression / mutual_info_classif use:
 *
 * - continuous target: Kraskov, Stoegbauer & Grassberger (2004), estimator 1:
 *     I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >
 *   eps_i = max-norm distance to the k-th neighbour in (x, y); n_x = points with
 *   |x_j - x_i| < eps_i (j != i), n_y likewise.
 * - discrete target (class labels): Ross (2014), "Mutual information between discrete and
 *   continuous data sets":
 *     I = psi(N) + < psi(k) > - < psi(N_c) > - < psi(m + 1) >
 *   d_i = distance to the k-th neighbour among points of i's class (k <= N_c - 1);
 *   m = points of any class with |x_j - x_i| < d_i (j != i); points alone in their class skipped.
 *
 * Why k-NN rather than binning: no bin-width choice that changes the ranking, and it is
 * consistent for continuous features. Inputs are standardised and get a tiny deterministic
 * jitter (1e-10 sd, seeded) so ties (RSI at 100, flat stretches) do not give zero distances;
 * the same input always gives the same output. Estimates below 0 are reported as 0.
 */
import { mulberry32 } from '../random';

const EULER_GAMMA = 0.5772156649015329;

/** psi(n) for positive integers: -gamma + sum_{i<n} 1/i, tabulated once per call site. */
export function digammaTable(maxN: number): Float64Array {
  const t = new Float64Array(maxN + 1);
  t[0] = NaN;
  t[1] = -EULER_GAMMA;
  for (let n = 2; n <= maxN; n++) t[n] = t[n - 1] + 1 / (n - 1);
  return t;
}

function standardise(values: ArrayLike<number>, seed: number): Float64Array {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = Math.sqrt(ss / n) || 1;
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (values[i] - mean) / sd + 1e-10 * (rand() - 0.5);
  return out;
}

/** Count of sorted values strictly inside (v - r, v + r), via two binary searches. */
function countWithin(sorted: Float64Array, v: number, r: number): number {
  const lowerBound = (x: number, strict: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? sorted[mid] <= x : sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return lowerBound(v + r, false) - lowerBound(v - r, true);
}

/** k-th smallest of `d` (k 1-based, k small): one pass keeping the k smallest in order, O(n k). */
function kthSmallest(d: Float64Array, k: number): number {
  const best = new Float64Array(k).fill(Infinity);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v >= best[k - 1]) continue;
    let p = k - 1;
    while (p > 0 && best[p - 1] > v) {
      best[p] = best[p - 1];
      p--;
    }
    best[p] = v;
  }
  return best[k - 1];
}

/** KSG estimator 1 for two continuous variables. O(N^2) distance evaluations; callers cap N. */
export function mutualInformationContinuous(xIn: ArrayLike<number>, yIn: ArrayLike<number>, k = 3): number {
  const n = xIn.length;
  if (n <= k) return 0;
  const x = standardise(xIn, 1);
  const y = standardise(yIn, 2);
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  const psi = digammaTable(n + 1);
  const dist = new Float64Array(n - 1);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let m = 0;
    const xi = x[i];
    const yi = y[i];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      // Max-norm distance, written without Math.* (hot loop: n^2 evaluations).
      const dx = x[j] > xi ? x[j] - xi : xi - x[j];
      const dy = y[j] > yi ? y[j] - yi : yi - y[j];
      dist[m++] = dx > dy ? dx : dy;
    }
    const eps = kthSmallest(dist, k);
    // countWithin includes the point itself: that is the "+ 1".
    acc += psi[countWithin(xs, x[i], eps)] + psi[countWithin(ys, y[i], eps)];
  }
  return Math.max(0, psi[k] + psi[n] - acc / n);
}

/** Ross estimator for a continuous x and integer class labels. */
export function mutualInformationDiscrete(xIn: ArrayLike<number>, labels: ArrayLike<number>, k = 3): number {
  const n = xIn.length;
  const x = standardise(xIn, 1);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const xs = Float64Array.from(x).sort();
  const psi = digammaTable(n + 1);
  let used = 0;
  let sumK = 0;
  let sumNc = 0;
  let sumM = 0;
  for (const members of byClass.values()) {
    const nc = members.length;
    if (nc < 2) continue;
    const kc = Math.min(k, nc - 1);
    const dist = new Float64Array(nc - 1);
    for (const i of members) {
      let m = 0;
      const xi = x[i];
      for (const j of members) if (j !== i) dist[m++] = x[j] > xi ? x[j] - xi : xi - x[j];
      const d = kthSmallest(dist, kc);
      used++;
      sumK += psi[kc];
      sumNc += psi[nc];
      sumM += psi[countWithin(xs, x[i], d)]; // includes i itself: m + 1
    }
  }
  if (used === 0) return 0;
  return Math.max(0, psi[used] + sumK / used - sumNc / used - sumM / used);
}
