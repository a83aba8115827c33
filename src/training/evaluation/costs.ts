/**
 * The trading-cost model of the evaluation backtests. Every cost is a fraction of the price at
 * the decision, per unit of position (1 = one unit of the base currency long):
 *
 * - Spread, per side: the quoted bid/ask spread is `spread_pips`; prices are mids, so each side
 *   of a trade (an entry or an exit) crosses half of it. A change of position by |Δ| units
 *   costs |Δ| × spread/2: opening or closing 1 unit half a spread, a reversal long → short
 *   (|Δ| = 2) a full spread, a round trip flat → long → flat one spread.
 * - Slippage, per side: `slippage_pips` more per unit changed (the fill is that much worse than
 *   the quoted side), so a change costs |Δ| × (spread/2 + slippage).
 * - Overnight financing (swap): a position held through the daily rollover at 17:00 New York
 *   time (the FX market's day end; 21:00 or 22:00 UTC with US daylight saving) is credited
 *   (positive) or charged (negative) its swap points per day, separately for long and short
 *   positions and per symbol — `{"EUR/USD": {"long": -0.62, "short": 0.18}}`, in pips per day
 *   per unit. The rollover of a Wednesday counts three days (spot settles two business days
 *   ahead, so Wednesday's rollover carries the weekend); Saturday and Sunday have none.
 *   A holding period runs from the close of its decision bar to the close of bar t + H; a
 *   bar closes at its timestamp + one timeframe.
 *
 * Pips become price units through the pair's pip size (0.0001, 0.01 for JPY quotes) and a
 * fraction of the price through the close at the decision.
 */

export interface SwapPoints {
  /** Pips per day per unit held long (positive: credited; negative: charged). */
  long: number;
  /** Pips per day per unit held short. */
  short: number;
}

export type SwapTable = Record<string, SwapPoints>;

/** The cost settings of one backtest, as reported beside it. */
export interface CostSettings {
  spread_pips: number;
  slippage_pips: number;
  /** Swap points of the symbol; null when none are configured (no financing). */
  swap_points: SwapPoints | null;
  rollover: '17:00 America/New_York, Wednesday x3';
}

export const ROLLOVER_RULE = '17:00 America/New_York, Wednesday x3' as const;

const DAY_MS = 86_400_000;
/** Rollover day counts by New York weekday (0 = Sunday … 6 = Saturday). */
const DAYS_BY_WEEKDAY = [0, 1, 1, 3, 1, 1, 0];

const nyParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  hour: '2-digit',
  weekday: 'short',
});
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The rollover instant (17:00 New York) on the UTC calendar day `day` (days since 1970-01-01), and its day count. */
const rolloverCache = new Map<number, { at: number; days: number }>();
function rolloverOn(day: number): { at: number; days: number } {
  let r = rolloverCache.get(day);
  if (r) return r;
  // 17:00 EDT is 21:00 UTC, 17:00 EST is 22:00 UTC: take the candidate New York calls 17h.
  for (const utcHour of [21, 22]) {
    const at = day * DAY_MS + utcHour * 3_600_000;
    const parts = nyParts.formatToParts(at);
    const hour = Number(parts.find((p) => p.type === 'hour')!.value);
    if (hour === 17) {
      r = { at, days: DAYS_BY_WEEKDAY[WEEKDAYS[parts.find((p) => p.type === 'weekday')!.value]] };
      break;
    }
  }
  r ??= { at: day * DAY_MS + 22 * 3_600_000, days: 0 };
  if (rolloverCache.size > 100_000) rolloverCache.clear();
  rolloverCache.set(day, r);
  return r;
}

/** Financing days between two instants: the sum of the rollovers' day counts in (from, to]. */
export function rolloverDays(fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  let days = 0;
  for (let day = Math.floor(fromMs / DAY_MS); day <= Math.floor(toMs / DAY_MS); day++) {
    const r = rolloverOn(day);
    if (r.at > fromMs && r.at <= toMs) days += r.days;
  }
  return days;
}

/**
 * Parses BACKTEST_SWAP_POINTS: a JSON object of symbol → {long, short} in pips per day.
 * Throws an Error whose message says what is wrong.
 */
export function parseSwapTable(text: string, canonical: (symbol: string) => string | null): SwapTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('must be a JSON object of symbol → {"long": pips, "short": pips}');
  const out: SwapTable = {};
  for (const [symbol, value] of Object.entries(parsed as Record<string, unknown>)) {
    const name = canonical(symbol);
    if (name === null) throw new Error(`'${symbol}' is not a currency pair`);
    const v = value as Record<string, unknown> | null;
    if (
      typeof v !== 'object' ||
      v === null ||
      typeof v.long !== 'number' ||
      typeof v.short !== 'number' ||
      !Number.isFinite(v.long) ||
      !Number.isFinite(v.short)
    ) {
      throw new Error(`${symbol} needs finite numbers "long" and "short" (pips per day)`);
    }
    out[name] = { long: v.long, short: v.short };
  }
  return out;
}
