// The dashboard's experiment pages: the list of experiments, one experiment's runs, the
// comparison of chosen runs, and one run with its metric history charts.
import { ApiError, api } from './api.js';
import { chartBox, historyCharts, takePendingMounts } from './charts.js';
import {
  badge,
  enc,
  flatNumbers,
  fmtDuration,
  fmtNum,
  fmtTime,
  fmtValue,
  h,
  keyMetrics,
  kv,
  link,
  num,
  table,
} from './dom.js';
import { metricDirection } from './metric-directions.js';
import { render, renderWithCharts } from './view.js';

export async function viewExperiments(myToken) {
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

export async function viewRuns(myToken, [id]) {
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

export async function viewCompare(myToken, [experimentId], query) {
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
  const mounts = takePendingMounts();
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

export async function viewRun(myToken, [id]) {
  const run = await api(`/runs/${enc(id)}`);
  let experimentName = null;
  try {
    experimentName = (await api('/experiments')).experiments.find((e) => e.id === run.experiment_id)?.name ?? null;
  } catch {
    /* the crumb falls back to the id */
  }
  const boxes = historyCharts(run.metric_history);
  const mounts = takePendingMounts();
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
