// The model-version page's arithmetic, apart from its DOM: the backtest rule of backtest.ts
// replayed over the predictions CSV (so the page can check it reproduces the reported figures
// before drawing a curve), the holding horizon from a target's name, and the CSV parser.

const TIMEFRAME_MS = {
  '1m': 60e3,
  '5m': 300e3,
  '15m': 900e3,
  '30m': 1800e3,
  '1h': 3600e3,
  '4h': 14400e3,
  '1d': 86400e3,
  '1w': 604800e3,
};
const UNIT_MS = { m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** The backtest rule of backtest.ts over one symbol's rows in time order (no financing). */
export function curve(rows, signalOf, H, log, { spread, slippage }, close) {
  const times = [];
  const equity = [];
  const drawdown = [];
  let previous = 0;
  let e = 1;
  let peak = 1;
  let maxDrawdown = 0;
  for (let i = 0; i < rows.length; i += H) {
    const s = signalOf(rows[i]);
    const position = s > 0 ? 1 : s < 0 ? -1 : 0;
    const simple = log ? Math.expm1(rows[i].realised) : rows[i].realised;
    const change = Math.abs(position - previous);
    const price = close ? close.get(rows[i].timestamp) : 1;
    const cost = change === 0 ? 0 : (change * (spread / 2 + slippage)) / price;
    const r = position * simple - cost + 0;
    previous = position;
    e *= 1 + r;
    if (e > peak) peak = e;
    const d = (peak - e) / peak;
    if (d > maxDrawdown) maxDrawdown = d;
    times.push(Date.parse(rows[i].timestamp) / 1000);
    equity.push(e);
    drawdown.push(d);
  }
  return { times, equity, drawdown, maxDrawdown };
}

/** Equal to the reported figure up to rounding of the last bits (NaN, a missing close, never). */
export const same = (a, b) =>
  typeof b === 'number' && Number.isFinite(a) && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

/** H: bars a position is held, from the target's horizon (`price_change_1d`, `log_return_4h`, `…_5`). */
export function horizonBars(target, timeframe) {
  const m = /_(\d+)([mhdw]?)$/.exec(String(target ?? ''));
  if (!m) return null;
  if (!m[2]) return Number(m[1]);
  const bar = TIMEFRAME_MS[timeframe];
  const bars = (Number(m[1]) * UNIT_MS[m[2]]) / (bar ?? NaN);
  return Number.isInteger(bars) && bars >= 1 ? bars : null;
}

/** A range holding 0 and every value, with a little room above and below. */
export function zeroRange(min, max) {
  const lo = Math.min(0, min ?? 0);
  const hi = Math.max(0, max ?? 0);
  const pad = (hi - lo || 1) * 0.1;
  return [lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0];
}

/** pip-size.ts: 0.01 for yen-quoted pairs, 0.0001 otherwise. */
export const pipSize = (symbol) => (/\/?JPY$/i.test(symbol) ? 0.01 : 0.0001);

export function parseCsv(text) {
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = head.split(',');
  const at = Object.fromEntries(header.map((k, i) => [k, i]));
  return lines.map((l) => {
    const c = l.split(',');
    return {
      timestamp: c[at.timestamp],
      symbol: c[at.symbol],
      part: c[at.part],
      prediction: Number(c[at.prediction]),
      realised: Number(c[at.realised]),
    };
  });
}
