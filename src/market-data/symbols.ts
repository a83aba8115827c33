/**
 * Currency-pair symbols. Users write `EUR/USD`, `EURUSD`, `eur_usd` or `EUR-USD`;
 * the service stores and answers with the canonical `EUR/USD`.
 */
const PAIR = /^([A-Za-z]{3})[/_-]?([A-Za-z]{3})$/;

/** The canonical `AAA/BBB` form, or null when the text is not a currency pair. */
export function canonicalSymbol(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const m = PAIR.exec(input.trim());
  if (!m) return null;
  const base = m[1].toUpperCase();
  const quote = m[2].toUpperCase();
  if (base === quote) return null;
  return `${base}/${quote}`;
}
