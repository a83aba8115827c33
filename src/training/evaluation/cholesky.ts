/**
 * Cholesky factorisation and solve for a symmetric positive-definite system A x = b, the
 * shape of ridge regression's normal equations (X'X + λI is positive definite for λ > 0).
 * A dozen lines beat a matrix dependency: p is ~100 columns, so p³/3 flops is nothing.
 */

/**
 * Solves A x = b for a p×p symmetric positive-definite A given row-major (only its lower
 * triangle is read). A and b are left untouched. Throws a RangeError when A is not positive
 * definite, which for ridge means λ was not > 0 or the input held non-finite values.
 */
export function choleskySolve(a: ArrayLike<number>, b: ArrayLike<number>, p: number): Float64Array {
  if (a.length !== p * p || b.length !== p)
    throw new RangeError(`choleskySolve needs a ${p}×${p} matrix and a vector of ${p}`);
  // L (lower triangular, row-major) with A = L Lᵀ.
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`matrix is not positive definite (pivot ${i} is ${s})`);
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / l[j * p + j];
      }
    }
  }
  // Forward substitution L z = b, then back substitution Lᵀ x = z (in place in x).
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * x[k];
    x[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return x;
}
