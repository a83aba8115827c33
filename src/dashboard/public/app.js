// ML Workbench dashboard: one ES module, no build step. It calls the service's public API
// (/api/v1) with the API key the user enters, exactly as any other client does.
// Every piece of data reaches the DOM as text (textContent / Text nodes), never as HTML.
import uPlot from './uPlot.esm.js';
import { metricDirection } from './metric-directions.js';
import { sweepViews } from './sweeps.js';
import { deploymentViews } from './deployment-performance.js';
import { versionEvaluationViews } from './version-evaluation.js';

const KEY_STORAGE = 'mlwb.apiKey';
const AUTH_REQUIRED = document.querySelector('meta[name="mlwb-auth-required"]')?.getAttribute('content') === 'true';
const POLL_MS = 1000;
const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#4b5563',
  '#ca8a04',
];
const FINAL_JOB_STATES = new Set(['succeeded', 'failed', 'cancelled']);

const main = document.getElementById('main');

// ---------------------------------------------------------------- DOM helpers

/** Creates an element; strings among the children become Text nodes (never parsed as HTML). */
function h(tag, attrs, ...children) {
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

const enc = encodeURIComponent;
/** A link to one of this page's routes; every dynamic segment is URL-encoded. */
const link = (segments, text, query) =>
  h('a', { href: `#/${segments.map(enc).join('/')}${query ? `?${query}` : ''}` }, text);

function badge(status) {
  if (status === null || status === undefined) return h('span', { class: 'muted' }, '–');
  return h('span', { class: `badge ${String(status).replace(/[^A-Za-z_]/g, '')}` }, String(status));
}

function fmtNum(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function fmtValue(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** { a: 1, backtest: { sharpe: 2 } } → { a: 1, 'backtest.sharpe': 2 } (numbers only, two levels). */
function flatNumbers(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v) && !prefix) flatNumbers(v, key, out);
  }
  return out;
}

// The service's one table of metric directions (metric-directions.js is generated from it).
const lowerIsBetter = (key) => metricDirection(key) === 'lower';
/** Counts, settings and standard errors reported beside the metrics (n, trades, epochs, *_se): never "better". */
const isNeutral = (key) => metricDirection(key) === 'none';

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

function keyMetrics(metrics, n = 4) {
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

function table(headers, rows, attrs = {}) {
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

const num = (v, attrs = {}) => h('td', { class: 'num', ...attrs }, fmtNum(v));

function kv(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '–')]),
  );
}

// ---------------------------------------------------------------- API

/** The key lives in localStorage (this browser only); in memory when storage is unavailable. */
let memoryKey = '';
function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? memoryKey;
  } catch {
    return memoryKey;
  }
}

class ApiError extends Error {
  constructor(status, body, path) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error_code;
    this.correlationId = body?.correlation_id;
    this.path = path;
  }
}

async function api(path) {
  const headers = { Accept: 'application/json' };
  const key = getKey();
  if (key) headers['X-API-Key'] = key;
  const res = await fetch(`/api/v1${path}`, { headers });
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) throw new ApiError(res.status, body, path);
  return body;
}

/** A non-JSON answer (the predictions CSV) as text; errors still come in the JSON envelope. */
async function apiText(path) {
  const key = getKey();
  const res = await fetch(`/api/v1${path}`, { headers: key ? { 'X-API-Key': key } : {} });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), path);
  return res.text();
}

// ---------------------------------------------------------------- charts

const charts = new Set();
/** Tick spacings for the x axis: steps (epochs) are whole numbers. */
const STEP_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
let pendingMounts = [];

function axisValues(_u, vals) {
  return vals.map((v) => (v === null ? '' : fmtNum(v)));
}

/**
 * A titled line chart box. The uPlot instance is built once the box is in the document
 * (it measures its width). `series`: [{ label, values }] over the shared x values `xs`.
 */
function chartBox(title, xs, series, { xLabel = 'step', key } = {}) {
  const box = h('div', { class: 'chart', dataset: { chart: key ?? title } }, h('h3', null, title));
  const holder = h('div');
  box.append(holder);
  const state = { chart: null };
  pendingMounts.push(() => {
    const width = Math.max(300, (box.clientWidth || 560) - 18);
    const opts = {
      width,
      height: 240,
      scales: { x: { time: false } },
      axes: [
        { label: xLabel, values: axisValues, incrs: STEP_INCRS },
        { values: axisValues, size: 64 },
      ],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          points: { show: xs.length <= 40 },
          value: (_u, v) => fmtNum(v),
        })),
      ],
    };
    state.chart = new uPlot(opts, [xs, ...series.map((s) => s.values)], holder);
    charts.add(state.chart);
  });
  return Object.assign(box, { state });
}

function mountCharts() {
  const mounts = pendingMounts;
  pendingMounts = [];
  for (const m of mounts) m();
}

function destroyCharts() {
  for (const c of charts) c.destroy();
  charts.clear();
  pendingMounts = [];
}

window.addEventListener('resize', () => {
  for (const c of charts) {
    const box = c.root.closest('.chart');
    if (box) c.setSize({ width: Math.max(300, box.clientWidth - 18), height: 240 });
  }
});

/** Chart boxes for a run's metric_history: `x` with `val_x` on one chart, every other key alone. */
function historyCharts(history) {
  const keys = Object.keys(history ?? {}).filter((k) => history[k]?.length);
  const used = new Set();
  const groups = [];
  const order = ['loss', ...keys.filter((k) => k !== 'loss').sort()];
  for (const k of order) {
    if (!keys.includes(k) || used.has(k)) continue;
    const pair = k.startsWith('val_') ? null : `val_${k}`;
    const group = [k];
    if (pair && keys.includes(pair)) group.push(pair);
    else if (k.startsWith('val_') && keys.includes(k.slice(4)) && !used.has(k.slice(4))) group.unshift(k.slice(4));
    group.forEach((g) => used.add(g));
    groups.push(group);
  }
  return groups.map((group) => {
    const steps = [...new Set(group.flatMap((g) => history[g].map((p) => p.step)))].sort((a, b) => a - b);
    const series = group.map((g) => {
      const byStep = new Map(history[g].map((p) => [p.step, p.value]));
      return { label: g, values: steps.map((s) => (byStep.has(s) ? byStep.get(s) : null)) };
    });
    return chartBox(group.join(' / '), steps, series, { key: group.join('+') });
  });
}

// ---------------------------------------------------------------- routing

let token = 0;
const timers = new Set();

function stopPolling() {
  for (const t of timers) clearTimeout(t);
  timers.clear();
}

/** Calls `fn` now and again every POLL_MS after it settles, for as long as this view is shown. */
function poll(myToken, fn) {
  const tick = async () => {
    if (myToken !== token) return;
    let again = true;
    try {
      again = (await fn()) !== false;
    } catch (e) {
      if (myToken === token) showPollError(e);
    }
    if (again && myToken === token) {
      const t = setTimeout(() => {
        timers.delete(t);
        void tick();
      }, POLL_MS);
      timers.add(t);
    }
  };
  void tick();
}

function showPollError(e) {
  const el = document.getElementById('poll-error');
  if (el) el.textContent = errorText(e);
}

function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 401) return 'The service refused the API key (401). Enter the right key above.';
    return `${e.message} (HTTP ${e.status}${e.code ? `, ${e.code}` : ''}${e.correlationId ? `, correlation id ${e.correlationId}` : ''})`;
  }
  return e instanceof Error ? e.message : String(e);
}

const present = (nodes) => nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false);

function render(myToken, ...nodes) {
  if (myToken !== token) return false;
  destroyCharts();
  main.replaceChildren(...present(nodes));
  return true;
}

function renderWithCharts(myToken, nodes, mounts) {
  if (myToken !== token) return;
  for (const c of charts) c.destroy();
  charts.clear();
  main.replaceChildren(...present(nodes));
  pendingMounts = mounts;
  mountCharts();
}

const sweeps = sweepViews({
  h,
  link,
  badge,
  fmtNum,
  fmtTime,
  fmtDuration,
  table,
  num,
  kv,
  api,
  enc,
  render,
  renderWithCharts,
  poll,
  trackChart: (c) => charts.add(c),
});
const versionEvaluation = versionEvaluationViews({
  h,
  link,
  badge,
  fmtNum,
  fmtTime,
  table,
  num,
  kv,
  api,
  apiText,
  enc,
  renderWithCharts,
  trackChart: (c) => charts.add(c),
});

const deployments = deploymentViews({
  h,
  link,
  badge,
  fmtNum,
  fmtTime,
  table,
  kv,
  api,
  enc,
  renderWithCharts,
  trackChart: (c) => charts.add(c),
});

const routes = [
  [/^models$/, viewModels],
  [/^models\/([^/]+)$/, viewModel],
  [/^models\/([^/]+)\/versions\/([^/]+)$/, versionEvaluation.viewVersion],
  [/^experiments$/, viewExperiments],
  [/^experiments\/([^/]+)$/, viewRuns],
  [/^experiments\/([^/]+)\/compare$/, viewCompare],
  [/^runs\/([^/]+)$/, viewRun],
  [/^jobs$/, viewJobs],
  [/^jobs\/([^/]+)$/, viewJob],
  [/^sweeps$/, sweeps.viewSweeps],
  [/^sweeps\/([^/]+)$/, sweeps.viewSweep],
  [/^deployments\/([^/]+)$/, deployments.viewDeployment],
];

async function onRoute() {
  token += 1;
  const myToken = token;
  stopPolling();
  destroyCharts();
  const raw = location.hash.replace(/^#\/?/, '') || 'models';
  const [path, queryString = ''] = raw.split('?');
  const query = new URLSearchParams(queryString);
  const section = path.split('/')[0];
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === section);
  if (AUTH_REQUIRED && !getKey()) {
    main.replaceChildren(
      h(
        'div',
        { class: 'notice', id: 'need-key' },
        'This service needs an API key: enter it in the field above (it is kept in this browser only).',
      ),
    );
    document.getElementById('api-key')?.focus();
    return;
  }
  const match = routes.find(([re]) => re.test(path));
  if (!match) {
    main.replaceChildren(h('div', { class: 'error' }, 'No such page. '), link(['models'], 'Back to the models'));
    return;
  }
  const args = match[0].exec(path).slice(1).map(decodeURIComponent);
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    await match[1](myToken, args, query);
  } catch (e) {
    render(myToken, h('div', { class: 'error', id: 'view-error' }, errorText(e)));
  }
}

// ---------------------------------------------------------------- views

/** The newest version when it is not the one shown (e.g. trained after the deployed one). */
function latestBeside(m) {
  if (!m.latest_version || m.latest_version === m.version) return h('span', { class: 'muted' }, '–');
  return h('span', { class: 'latest' }, `${m.latest_version} `, badge(m.latest_status));
}

async function viewModels(myToken) {
  const data = await api('/models?limit=200');
  const rows = data.models.map((m) =>
    h(
      'tr',
      { dataset: { modelId: m.id } },
      h('td', null, link(['models', m.id], m.id)),
      h('td', null, m.name),
      h('td', null, m.type),
      h('td', null, m.version ?? '–'),
      h('td', null, badge(m.status)),
      h('td', null, latestBeside(m)),
      h('td', null, keyMetrics(m.metrics)),
      h('td', null, fmtTime(m.created_at)),
    ),
  );
  render(
    myToken,
    h('h1', null, 'Models'),
    h(
      'p',
      { class: 'muted' },
      `${data.total} model${data.total === 1 ? '' : 's'}; each shows its deployed version when one is deployed, else its latest, with that version's metrics.`,
    ),
    rows.length
      ? table(['ID', 'Name', 'Type', 'Version', 'Status', 'Latest version', 'Key metrics', 'Created'], rows, {
          id: 'models-table',
        })
      : h('div', { class: 'notice' }, 'No models yet: train one with POST /api/v1/models/train.'),
  );
}

function baselineTable(version) {
  const model = flatNumbers(version.metrics);
  const baselineNames = Object.keys(version.baselines ?? {});
  const baselines = Object.fromEntries(baselineNames.map((b) => [b, flatNumbers(version.baselines[b])]));
  const keys = Object.keys(model);
  if (!keys.length) return h('p', { class: 'muted' }, 'No metrics.');
  const rows = keys.map((k) => {
    const others = baselineNames.map((b) => baselines[b][k]).filter((v) => typeof v === 'number');
    let cls = '';
    let mark = '';
    if (others.length && !isNeutral(k)) {
      const lower = lowerIsBetter(k);
      const bestBaseline = lower ? Math.min(...others) : Math.max(...others);
      const beats = lower ? model[k] < bestBaseline : model[k] > bestBaseline;
      cls = beats ? 'better' : 'worse';
      mark = beats ? ' ▲' : ' ▼';
    }
    return h(
      'tr',
      null,
      h('th', null, k),
      h('td', { class: `num ${cls}` }, fmtNum(model[k]), mark),
      baselineNames.map((b) => num(baselines[b][k])),
    );
  });
  return h(
    'div',
    null,
    table(['Metric', 'Model', ...baselineNames], rows),
    baselineNames.length
      ? h('p', { class: 'muted' }, '▲ beats every baseline on this metric, ▼ does not (same test split).')
      : null,
  );
}

async function viewModel(myToken, [id]) {
  const [model, deps] = await Promise.all([
    api(`/models/${enc(id)}`),
    api(`/deployments?model_id=${enc(id)}&limit=100`),
  ]);
  const versionRows = model.versions.map((v) =>
    h(
      'tr',
      { dataset: { version: v.version } },
      h('td', null, link(['models', id, 'versions', v.version], v.version)),
      h('td', null, badge(v.status)),
      h('td', null, v.architecture ?? '–'),
      h('td', null, fmtTime(v.trained_at)),
      h('td', null, fmtDuration(v.duration_ms)),
      h('td', null, keyMetrics(v.metrics)),
      h(
        'td',
        null,
        v.run_id ? link(['runs', v.run_id], 'run') : '–',
        ' ',
        v.job_id ? link(['jobs', v.job_id], 'job') : '',
      ),
    ),
  );
  const depRows = deps.deployments.map((d) =>
    h(
      'tr',
      { dataset: { deploymentId: d.id } },
      h('td', null, link(['deployments', d.id], d.target)),
      h('td', null, d.version),
      h('td', null, badge(d.status)),
      num(d.scaling_factor),
      h('td', null, d.monitoring_level),
      h('td', null, fmtTime(d.deployed_at)),
      h('td', null, fmtTime(d.ended_at)),
      h('td', null, d.replaced_version ?? '–'),
    ),
  );
  render(
    myToken,
    h('div', { class: 'crumbs' }, link(['models'], 'Models'), ' / ', model.id),
    h('h1', null, model.name),
    kv([
      ['ID', model.id],
      ['Type', model.type],
      [model.status === 'deployed' ? 'Deployed version' : 'Version', model.version ?? '–'],
      ['Status', badge(model.status)],
      model.deployed_versions?.length > 1 ? ['Deployed versions', model.deployed_versions.join(', ')] : null,
      model.latest_version && model.latest_version !== model.version
        ? ['Latest version', [model.latest_version, ' ', badge(model.latest_status)]]
        : null,
      ['Created', fmtTime(model.created_at)],
      model.description ? ['Description', model.description] : null,
      model.tags && Object.keys(model.tags).length ? ['Tags', fmtValue(model.tags)] : null,
    ]),
    h('h2', null, 'Versions'),
    versionRows.length
      ? table(['Version', 'Status', 'Architecture', 'Trained', 'Duration', 'Key metrics', 'Links'], versionRows, {
          id: 'versions-table',
        })
      : h('p', { class: 'muted' }, 'No versions.'),
    h('h2', null, 'Metrics against the naive baselines'),
    model.versions.map((v, i) =>
      h('details', { open: i === 0 }, h('summary', null, `Version ${v.version} `, badge(v.status)), baselineTable(v)),
    ),
    h('h2', null, 'Deployments'),
    depRows.length
      ? table(['Target', 'Version', 'Status', 'Scaling', 'Monitoring', 'Deployed', 'Ended', 'Replaced'], depRows, {
          id: 'deployments-table',
        })
      : h('p', { class: 'muted', id: 'no-deployments' }, 'Not deployed anywhere.'),
  );
}

async function viewExperiments(myToken) {
  // The list is paginated (at most 500 a page): the newest 500 are what a person browses.
  const first = await api('/experiments?limit=500');
  const data = first.total > 500 ? await api(`/experiments?limit=500&offset=${first.total - 500}`) : first;
  const rows = data.experiments.map((e) =>
    h(
      'tr',
      null,
      h('td', null, link(['experiments', e.id], e.name)),
      num(e.run_count),
      h('td', null, fmtTime(e.created_at)),
      h('td', null, h('code', null, e.id)),
    ),
  );
  render(
    myToken,
    h('h1', null, 'Experiments'),
    rows.length
      ? table(['Name', 'Runs', 'Created', 'ID'], rows, { id: 'experiments-table' })
      : h('div', { class: 'notice' }, 'No experiments yet.'),
  );
}

async function viewRuns(myToken, [id]) {
  const [exp, data] = await Promise.all([
    api(`/experiments/${enc(id)}`).catch(() => null),
    api(`/experiments/${enc(id)}/runs`),
  ]);
  const selected = new Set();
  const count = h('span', { class: 'muted', id: 'selected-count' }, 'Select two or more runs to compare them.');
  const button = h(
    'button',
    {
      class: 'primary',
      id: 'compare-button',
      disabled: true,
      type: 'button',
      onclick: () => (location.hash = `#/experiments/${enc(id)}/compare?runs=${[...selected].map(enc).join(',')}`),
    },
    'Compare selected',
  );
  const onToggle = (runId) => (ev) => {
    if (ev.target.checked) selected.add(runId);
    else selected.delete(runId);
    button.disabled = selected.size < 2;
    count.textContent = `${selected.size} selected`;
  };
  const rows = data.runs.map((r) =>
    h(
      'tr',
      { dataset: { runId: r.id } },
      h(
        'td',
        null,
        h('input', {
          type: 'checkbox',
          class: 'run-select',
          'aria-label': `Select run ${r.name ?? r.id}`,
          onchange: onToggle(r.id),
        }),
      ),
      h('td', null, link(['runs', r.id], r.name ?? r.id)),
      h('td', null, badge(r.status)),
      h(
        'td',
        null,
        r.model_id ? link(['models', r.model_id], r.model_id) : '–',
        r.model_version ? ` ${r.model_version}` : '',
      ),
      h('td', null, fmtTime(r.start_time)),
      h('td', null, r.end_time && r.start_time ? fmtDuration(Date.parse(r.end_time) - Date.parse(r.start_time)) : '–'),
      h('td', null, keyMetrics(r.metrics)),
    ),
  );
  render(
    myToken,
    h('div', { class: 'crumbs' }, link(['experiments'], 'Experiments'), ' / ', exp?.name ?? id),
    h('h1', null, exp?.name ?? 'Experiment'),
    h('div', { class: 'toolbar' }, button, count),
    rows.length
      ? table(['', 'Run', 'Status', 'Model', 'Started', 'Duration', 'Key metrics'], rows, { id: 'runs-table' })
      : h('p', { class: 'muted' }, 'No runs yet.'),
  );
}

/** Set once the service answers that it has no compare route; then the page compares by itself. */
let compareRouteMissing = false;

async function compareRuns(experimentId, runIds) {
  if (!compareRouteMissing) {
    try {
      return await api(`/experiments/${enc(experimentId)}/compare?run_ids=${runIds.map(enc).join(',')}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404 && e.code === 'ROUTE_NOT_FOUND')) throw e;
      compareRouteMissing = true;
    }
  }
  return compareLocally(experimentId, runIds);
}

/** Fallback with the compare endpoint's shape, built from GET /runs/{id}. */
async function compareLocally(experimentId, runIds) {
  const runs = await Promise.all(runIds.map((id) => api(`/runs/${enc(id)}`)));
  const params = {};
  for (const k of [...new Set(runs.flatMap((r) => Object.keys(r.params ?? {})))].sort()) {
    const values = Object.fromEntries(
      runs.map((r) => [r.id, r.params?.[k] === undefined || r.params?.[k] === null ? null : String(r.params[k])]),
    );
    params[k] = { values, differs: new Set(Object.values(values)).size > 1 };
  }
  const metrics = {};
  for (const k of [
    ...new Set(runs.flatMap((r) => Object.keys(r.metrics ?? {}).filter((m) => typeof r.metrics[m] === 'number'))),
  ].sort()) {
    const values = Object.fromEntries(
      runs.map((r) => [r.id, typeof r.metrics?.[k] === 'number' ? r.metrics[k] : null]),
    );
    const direction = metricDirection(k);
    const lower = direction === 'lower';
    let best = null;
    if (direction !== 'none')
      for (const [id, v] of Object.entries(values))
        if (v !== null && (best === null || (lower ? v < values[best] : v > values[best]))) best = id;
    metrics[k] = { values, best_run_id: best, direction, lower_is_better: direction === 'none' ? null : lower };
  }
  const histories = {};
  for (const k of [...new Set(runs.flatMap((r) => Object.keys(r.metric_history ?? {})))].sort()) {
    const steps = [...new Set(runs.flatMap((r) => (r.metric_history?.[k] ?? []).map((p) => p.step)))].sort(
      (a, b) => a - b,
    );
    const values = Object.fromEntries(
      runs.map((r) => {
        const byStep = new Map((r.metric_history?.[k] ?? []).map((p) => [p.step, p.value]));
        return [r.id, steps.map((s) => (byStep.has(s) ? byStep.get(s) : null))];
      }),
    );
    histories[k] = { steps, values };
  }
  return {
    experiment_id: experimentId,
    runs: runs.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      start_time: r.start_time,
      end_time: r.end_time,
    })),
    params,
    metrics,
    histories,
    computed_in_browser: true,
  };
}

async function viewCompare(myToken, [experimentId], query) {
  const runIds = (query.get('runs') ?? '').split(',').filter(Boolean);
  if (runIds.length < 2) throw new Error('Select at least two runs to compare.');
  const cmp = await compareRuns(experimentId, runIds);
  const runs = cmp.runs;
  const runName = (r) => r.name ?? r.id.slice(0, 8);
  const runHeaders = () => runs.map((r) => link(['runs', r.id], runName(r)));

  const paramKeys = Object.keys(cmp.params ?? {}).sort(
    (a, b) => Number(cmp.params[b].differs) - Number(cmp.params[a].differs) || a.localeCompare(b),
  );
  const paramRows = paramKeys.map((k) => {
    const p = cmp.params[k];
    return h(
      'tr',
      { class: p.differs ? 'differs' : null, dataset: { param: k, differs: String(Boolean(p.differs)) } },
      h('th', null, k, p.differs ? h('span', { class: 'mark', title: 'differs between the runs' }, '≠') : null),
      runs.map((r) => h('td', null, p.values?.[r.id] ?? '–')),
    );
  });

  const metricRows = Object.keys(cmp.metrics ?? {})
    .sort()
    .map((k) => {
      const m = cmp.metrics[k];
      const present = runs.map((r) => m.values?.[r.id]).filter((v) => v !== null && v !== undefined);
      // No star for counts and settings (n, trades, epochs…) nor when every run has the same value.
      const direction = m.direction ?? metricDirection(k);
      const bestId =
        m.best_run_id && direction !== 'none' && !present.every((v) => v === present[0]) ? m.best_run_id : null;
      const note =
        direction === 'none'
          ? 'no direction'
          : bestId
            ? direction === 'lower'
              ? '↓ lower is better'
              : '↑ higher is better'
            : null;
      return h(
        'tr',
        { dataset: { metric: k, direction } },
        h('th', null, k, note ? h('span', { class: 'mark muted' }, note) : null),
        runs.map((r) => {
          const best = bestId === r.id;
          return h(
            'td',
            { class: `num${best ? ' best' : ''}`, dataset: best ? { best: 'true' } : undefined },
            fmtNum(m.values?.[r.id]),
            best ? h('span', { class: 'mark', title: 'best' }, '★') : null,
          );
        }),
      );
    });

  const histKeys = Object.keys(cmp.histories ?? {}).sort((a, b) =>
    a === 'loss' ? -1 : b === 'loss' ? 1 : a === 'val_loss' ? -1 : b === 'val_loss' ? 1 : a.localeCompare(b),
  );
  const chartBoxes = histKeys.map((k) => {
    const hist = cmp.histories[k];
    return chartBox(
      k,
      hist.steps,
      runs.map((r) => ({ label: runName(r), values: hist.values?.[r.id] ?? hist.steps.map(() => null) })),
      { key: k },
    );
  });
  const mounts = pendingMounts;
  pendingMounts = [];
  renderWithCharts(
    myToken,
    [
      h(
        'div',
        { class: 'crumbs' },
        link(['experiments'], 'Experiments'),
        ' / ',
        link(['experiments', experimentId], 'runs'),
        ' / compare',
      ),
      h('h1', null, `Comparing ${runs.length} runs`),
      cmp.computed_in_browser
        ? h(
            'p',
            { class: 'muted', id: 'compare-fallback' },
            'Compared in the browser from each run (this service has no compare endpoint).',
          )
        : null,
      h('h2', null, 'Parameters'),
      paramRows.length
        ? table(['Parameter', ...runHeaders()], paramRows, { id: 'compare-params' })
        : h('p', { class: 'muted' }, 'No parameters.'),
      h('p', { class: 'muted' }, 'Highlighted rows (≠) differ between the runs.'),
      h('h2', null, 'Metrics'),
      metricRows.length
        ? table(['Metric', ...runHeaders()], metricRows, { id: 'compare-metrics' })
        : h('p', { class: 'muted' }, 'No metrics.'),
      h('h2', null, 'Histories'),
      chartBoxes.length
        ? h('div', { class: 'charts', id: 'compare-charts' }, chartBoxes)
        : h('p', { class: 'muted' }, 'No metric histories.'),
    ],
    mounts,
  );
}

async function viewRun(myToken, [id]) {
  const run = await api(`/runs/${enc(id)}`);
  let experimentName = null;
  try {
    experimentName = (await api('/experiments')).experiments.find((e) => e.id === run.experiment_id)?.name ?? null;
  } catch {
    /* the crumb falls back to the id */
  }
  const boxes = historyCharts(run.metric_history);
  const mounts = pendingMounts;
  pendingMounts = [];
  const params = Object.entries(run.params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const metrics = Object.entries(flatNumbers(run.metrics)).sort(([a], [b]) => a.localeCompare(b));
  renderWithCharts(
    myToken,
    [
      h(
        'div',
        { class: 'crumbs' },
        link(['experiments'], 'Experiments'),
        ' / ',
        link(['experiments', run.experiment_id], experimentName ?? run.experiment_id),
        ' / ',
        run.name ?? run.id,
      ),
      h('h1', null, `Run ${run.name ?? run.id}`),
      kv([
        ['ID', h('code', null, run.id)],
        ['Status', badge(run.status)],
        [
          'Model',
          run.model_id
            ? [link(['models', run.model_id], run.model_id), run.model_version ? ` ${run.model_version}` : '']
            : '–',
        ],
        ['Started', fmtTime(run.start_time)],
        ['Ended', fmtTime(run.end_time)],
        [
          'Duration',
          run.end_time && run.start_time ? fmtDuration(Date.parse(run.end_time) - Date.parse(run.start_time)) : '–',
        ],
        run.tags && Object.keys(run.tags).length ? ['Tags', fmtValue(run.tags)] : null,
      ]),
      h('h2', null, 'Metric histories'),
      boxes.length
        ? h('div', { class: 'charts', id: 'run-charts' }, boxes)
        : h('p', { class: 'muted' }, 'No metric history.'),
      h('h2', null, 'Final metrics'),
      metrics.length
        ? table(
            ['Metric', 'Value'],
            metrics.map(([k, v]) => h('tr', null, h('th', null, k), num(v))),
            { id: 'run-metrics' },
          )
        : h('p', { class: 'muted' }, 'No metrics.'),
      h('h2', null, 'Parameters'),
      params.length
        ? table(
            ['Parameter', 'Value'],
            params.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, fmtValue(v)))),
            { id: 'run-params' },
          )
        : h('p', { class: 'muted' }, 'No parameters.'),
    ],
    mounts,
  );
}

/**
 * What a job has done of its total, in its own unit: a network's epochs, an agent's
 * episodes, a feature selection's scored candidates (it has no epochs).
 */
function jobCounter(p) {
  if (p.unit === 'candidate') return { done: Number(p.scored) || 0, total: Number(p.candidates) || 0, label: 'scored' };
  if (p.unit === 'episode') return { done: Number(p.episode) || 0, total: Number(p.episodes) || 0, label: 'episode' };
  return { done: Number(p.epoch) || 0, total: Number(p.epochs) || 0, label: 'epoch' };
}

function progressCell(job) {
  const { done, total, label } = jobCounter(job.progress ?? {});
  const pct = job.status === 'succeeded' ? 100 : total ? Math.min(100, Math.round((100 * done) / total)) : 0;
  const bar = h(
    'span',
    {
      class: 'progress',
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(pct),
    },
    h('span'),
  );
  bar.firstChild.style.width = `${pct}%`;
  return h(
    'td',
    { class: 'progress-cell' },
    bar,
    ' ',
    h('span', { class: 'epoch' }, total ? `${label} ${done}/${total}` : '–'),
  );
}

function jobRow(j) {
  const p = j.progress ?? {};
  // An agent's curves are its reward and validation return; a selection has none.
  const [loss, valLoss] = p.unit === 'episode' ? [p.train_reward, p.val_return] : [p.loss, p.val_loss];
  return h(
    'tr',
    { dataset: { jobId: j.id, status: j.status, unit: p.unit ?? 'epoch', epoch: String(jobCounter(p).done) } },
    h('td', null, link(['jobs', j.id], j.id.slice(0, 8))),
    h('td', null, link(['models', j.model_id], j.model_id), ` ${j.version}`),
    h('td', null, badge(j.status)),
    h('td', null, p.phase ?? '–'),
    progressCell(j),
    num(loss),
    num(valLoss),
    h(
      'td',
      null,
      p.eta_seconds !== null && p.eta_seconds !== undefined && !FINAL_JOB_STATES.has(j.status)
        ? fmtDuration(p.eta_seconds * 1000)
        : '–',
    ),
    h('td', null, j.backend ?? '–'),
    h('td', null, fmtTime(j.created_at)),
  );
}

const JOB_HEADERS = [
  'Job',
  'Model',
  'Status',
  'Phase',
  'Progress',
  'Loss (reward)',
  'Val. loss (return)',
  'ETA',
  'Backend',
  'Created',
];

async function viewJobs(myToken) {
  const active = h('tbody');
  const recent = h('tbody');
  const updated = h('span', { class: 'muted', id: 'jobs-updated' });
  render(
    myToken,
    h('h1', null, 'Training jobs'),
    h('div', { class: 'toolbar' }, updated, h('span', { class: 'muted' }, '· refreshed every second')),
    h('div', { class: 'error-line muted', id: 'poll-error' }),
    h('h2', null, 'Running and queued'),
    h(
      'table',
      { id: 'active-jobs' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          JOB_HEADERS.map((x) => h('th', null, x)),
        ),
      ),
      active,
    ),
    h('h2', null, 'Recent'),
    h(
      'table',
      { id: 'recent-jobs' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          JOB_HEADERS.map((x) => h('th', null, x)),
        ),
      ),
      recent,
    ),
  );
  poll(myToken, async () => {
    const data = await api('/training/jobs?limit=30');
    if (myToken !== token) return false;
    const live = data.jobs.filter((j) => !FINAL_JOB_STATES.has(j.status));
    const done = data.jobs.filter((j) => FINAL_JOB_STATES.has(j.status));
    active.replaceChildren(
      ...(live.length
        ? live.map(jobRow)
        : [
            h(
              'tr',
              null,
              h('td', { colspan: String(JOB_HEADERS.length), class: 'muted' }, 'No job is running or queued.'),
            ),
          ]),
    );
    recent.replaceChildren(...done.map(jobRow));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    document.getElementById('poll-error').textContent = '';
  });
}

async function viewJob(myToken, [id]) {
  const head = h('div');
  const chartHolder = h('div', { class: 'charts', id: 'job-charts' });
  render(
    myToken,
    h('div', { class: 'crumbs' }, link(['jobs'], 'Jobs'), ' / ', id.slice(0, 8)),
    h('h1', null, 'Training job'),
    head,
    h('div', { class: 'error-line muted', id: 'poll-error' }),
    h('h2', null, 'Loss'),
    chartHolder,
  );
  let chartKeys = '';
  poll(myToken, async () => {
    const job = await api(`/training/jobs/${enc(id)}`);
    const run = job.run_id ? await api(`/runs/${enc(job.run_id)}`) : null;
    if (myToken !== token) return false;
    const p = job.progress ?? {};
    head.replaceChildren(
      kv([
        ['ID', h('code', null, job.id)],
        ['Model', [link(['models', job.model_id], job.model_id), ` ${job.version}`]],
        ['Status', badge(job.status)],
        ['Phase', p.phase ?? '–'],
        ['Progress', h('table', { id: 'job-progress' }, h('tbody', null, jobRow(job)))],
        ['Run', job.run_id ? link(['runs', job.run_id], job.run_id) : '–'],
        ['Attempt', h('span', { id: 'job-attempts' }, String(job.attempts ?? 0))],
        // A retry's note (why this is a later attempt) is not an error.
        job.note ? ['Note', h('span', { id: 'job-note' }, job.note)] : null,
        job.error ? ['Error', h('span', { id: 'job-error' }, job.error)] : null,
      ]),
    );
    const history = run?.metric_history ?? {};
    const lossHistory = Object.fromEntries(
      Object.entries(history).filter(
        ([k]) => k === 'loss' || k === 'val_loss' || k === 'train_reward' || k === 'val_return',
      ),
    );
    const keys = Object.entries(lossHistory)
      .map(([k, v]) => `${k}:${v.length}`)
      .join(',');
    if (keys !== chartKeys) {
      chartKeys = keys;
      for (const c of charts) c.destroy();
      charts.clear();
      const boxes = historyCharts(lossHistory);
      chartHolder.replaceChildren(...(boxes.length ? boxes : [h('p', { class: 'muted' }, 'No epoch finished yet.')]));
      mountCharts();
    }
    return !FINAL_JOB_STATES.has(job.status);
  });
}

// ---------------------------------------------------------------- start

function setupKeyForm() {
  const form = document.getElementById('key-form');
  const input = document.getElementById('api-key');
  const state = document.getElementById('key-state');
  const showState = () => {
    state.textContent = getKey() ? 'key set' : AUTH_REQUIRED ? 'key needed' : '';
  };
  input.value = getKey();
  showState();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    memoryKey = key;
    try {
      if (key) localStorage.setItem(KEY_STORAGE, key);
      else localStorage.removeItem(KEY_STORAGE);
    } catch {
      /* storage disabled: the key lasts until the page closes */
    }
    showState();
    void onRoute();
  });
}

setupKeyForm();
window.addEventListener('hashchange', () => void onRoute());
void onRoute();
