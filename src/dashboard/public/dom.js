// The dashboard's DOM and formatting helpers. Every piece of data reaches the DOM as text
// (textContent / Text nodes), never as HTML.
import { metricDirection } from './metric-directions.js';

/** Creates an element; strings among the children become Text nodes (never parsed as HTML). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'checked' || k === 'disabled') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity))
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const enc = encodeURIComponent;
/** A link to one of this page's routes; every dynamic segment is URL-encoded. */
export const link = (segments, text, query) =>
  h('a', { href: `#/${segments.map(enc).join('/')}${query ? `?${query}` : ''}` }, text);

export function badge(status) {
  if (status === null || status === undefined) return h('span', { class: 'muted' }, '–');
  return h('span', { class: `badge ${String(status).replace(/[^A-Za-z_]/g, '')}` }, String(status));
}

export function fmtNum(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function fmtValue(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** { a: 1, backtest: { sharpe: 2 } } → { a: 1, 'backtest.sharpe': 2 } (numbers only, two levels). */
export function flatNumbers(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v) && !prefix) flatNumbers(v, key, out);
  }
  return out;
}

// The service's one table of metric directions (metric-directions.js is generated from it).
export const lowerIsBetter = (key) => metricDirection(key) === 'lower';
/** Counts, settings and standard errors reported beside the metrics (n, trades, epochs, *_se): never "better". */
export const isNeutral = (key) => metricDirection(key) === 'none';

const KEY_METRICS = [
  'rmse',
  'mse',
  'mae',
  'r2',
  'directional_accuracy',
  'accuracy',
  'f1',
  'macro_f1',
  'balanced_accuracy',
  'precision',
  'recall',
  'auc',
  'total_return',
  'sharpe',
  'backtest.sharpe',
  'ic',
  'loss',
  'val_loss',
];

export function keyMetrics(metrics, n = 4) {
  const flat = flatNumbers(metrics);
  const keys = KEY_METRICS.filter((k) => k in flat);
  for (const k of Object.keys(flat)) if (keys.length < n && !keys.includes(k)) keys.push(k);
  const picked = keys.slice(0, n);
  if (!picked.length) return h('span', { class: 'muted' }, '–');
  return h(
    'span',
    { class: 'metrics' },
    picked.map((k, i) => [i ? ' · ' : '', h('span', { class: 'muted' }, k), ' ', fmtNum(flat[k])]),
  );
}

export function table(headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headers.map((x) => h('th', null, x)),
      ),
    ),
    h('tbody', null, rows),
  );
}

export const num = (v, attrs = {}) => h('td', { class: 'num', ...attrs }, fmtNum(v));

export function kv(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '–')]),
  );
}
