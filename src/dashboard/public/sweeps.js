// The dashboard's sweep pages: the list of sweeps, and one sweep (its trials table and a
// scatter plot of each searched parameter against the objective). Kept apart from app.js,
// which hands in its DOM, API and chart helpers (`ui`) so both render the same way.
import uPlot from './uPlot.esm.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const TRIAL_COLORS = {
  succeeded: '#2563eb',
  pruned: '#9ca3af',
  failed: '#dc2626',
  cancelled: '#dc2626',
  running: '#16a34a',
  queued: '#16a34a',
  proposed: '#16a34a',
};

export function sweepViews(ui) {
  const {
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
    trackChart,
  } = ui;

  async function viewSweeps(myToken) {
    const data = await api('/sweeps?limit=100');
    const rows = data.sweeps.map((s) =>
      h(
        'tr',
        { dataset: { sweepId: s.id, status: s.status } },
        h('td', null, link(['sweeps', s.id], s.name)),
        h('td', null, badge(s.status)),
        h('td', null, s.strategy),
        h(
          'td',
          null,
          s.best?.model_id
            ? [link(['models', s.best.model_id], s.best.model_id), s.best.version ? ` ${s.best.version}` : '']
            : '–',
        ),
        num(s.best?.objective),
        h('td', null, fmtTime(s.created_at)),
        h('td', null, fmtTime(s.finished_at)),
      ),
    );
    render(
      myToken,
      h('h1', null, 'Sweeps'),
      h(
        'p',
        { class: 'muted' },
        `${data.total} sweep${data.total === 1 ? '' : 's'}; each trial is a training job judged on a validation metric, and the winner alone is scored on the test part and registered.`,
      ),
      rows.length
        ? table(['Name', 'Status', 'Strategy', 'Best model', 'Best objective', 'Created', 'Finished'], rows, {
            id: 'sweeps-table',
          })
        : h('div', { class: 'notice' }, 'No sweeps yet: start one with POST /api/v1/sweeps.'),
    );
  }

  async function viewSweep(myToken, [id]) {
    let shown = '';
    poll(myToken, async () => {
      const sweep = await api(`/sweeps/${enc(id)}`);
      // Redrawn only when something a person sees changed (a trial's status, objective or epochs).
      const signature = JSON.stringify([
        sweep.status,
        sweep.best,
        sweep.eta_seconds,
        sweep.trials.map((t) => [t.status, t.objective, t.epochs]),
      ]);
      if (signature !== shown) {
        shown = signature;
        const { nodes, mounts } = sweepPage(sweep);
        renderWithCharts(myToken, nodes, mounts);
      }
      return !FINAL.has(sweep.status);
    });
  }

  function sweepPage(sweep) {
    const keys = Object.keys(sweep.space ?? {});
    const metric = sweep.objective?.metric ?? 'objective';
    const bestIndex = sweep.best?.trial;
    const rows = sweep.trials.map((t) => {
      const best = t.index === bestIndex;
      return h(
        'tr',
        {
          class: best ? 'best-row' : null,
          dataset: { trial: String(t.index), status: t.status, best: best ? 'true' : 'false' },
        },
        h(
          'td',
          { class: 'num' },
          String(t.index),
          best ? h('span', { class: 'mark', title: 'the winner' }, '★') : null,
        ),
        keys.map((k) => h('td', { class: 'num', dataset: { param: k } }, fmtNum(t.params?.[k]))),
        h('td', null, badge(t.status)),
        num(t.objective, { class: `num objective${best ? ' best' : ''}` }),
        num(t.epochs),
        h('td', null, t.run_id ? link(['runs', t.run_id], t.run_id.slice(0, 8)) : '–'),
        h('td', null, t.job_id ? link(['jobs', t.job_id], t.job_id.slice(0, 8)) : '–'),
        h('td', null, t.error ?? ''),
      );
    });
    const charts = keys.map((k) => scatterBox(sweep, k, metric));
    const b = sweep.best;
    const nodes = [
      h('div', { class: 'crumbs' }, link(['sweeps'], 'Sweeps'), ' / ', sweep.name),
      h('h1', null, `Sweep ${sweep.name}`),
      kv([
        ['ID', h('code', null, sweep.id)],
        ['Status', h('span', { id: 'sweep-status' }, badge(sweep.status))],
        ['Strategy', sweep.strategy],
        ['Objective', `${sweep.objective?.direction} ${metric}`],
        [
          'Trials',
          `${sweep.trials.length} of ${sweep.planned_trials} (parallelism ${sweep.parallelism}, seed ${sweep.seed})`,
        ],
        ['Parent run', sweep.parent_run_id ? link(['runs', sweep.parent_run_id], sweep.parent_run_id) : '–'],
        b
          ? [
              'Best',
              h(
                'span',
                { id: 'sweep-best' },
                `trial ${b.trial}, ${metric} ${fmtNum(b.objective)}`,
                b.model_id
                  ? [' → ', link(['models', b.model_id], b.model_id), ` ${b.version ?? ''} `, badge(b.status)]
                  : '',
              ),
            ]
          : null,
        !FINAL.has(sweep.status)
          ? ['ETA', sweep.eta_seconds === null ? '–' : fmtDuration(sweep.eta_seconds * 1000)]
          : null,
        ['Created', fmtTime(sweep.created_at)],
        ['Finished', fmtTime(sweep.finished_at)],
        sweep.error ? ['Error', h('span', { id: 'sweep-error' }, sweep.error)] : null,
      ]),
      h('div', { class: 'error-line muted', id: 'poll-error' }),
      h('h2', null, 'Trials'),
      rows.length
        ? table(['#', ...keys, 'Status', metric, 'Epochs', 'Run', 'Job', 'Note'], rows, { id: 'sweep-trials' })
        : h('p', { class: 'muted' }, 'No trial proposed yet.'),
      h('h2', null, `Parameters against ${metric}`),
      charts.length
        ? h(
            'div',
            { class: 'charts', id: 'sweep-charts' },
            charts.map((c) => c.box),
          )
        : null,
      h(
        'p',
        { class: 'muted' },
        `Each point is a trial with its best ${metric}; the winner is the larger point. Unfinished trials show their best so far.`,
      ),
    ];
    return { nodes, mounts: charts.map((c) => c.mount) };
  }

  /**
   * One parameter against the objective: a point per trial that has a value (uPlot with
   * points only; a log-scale range on a log axis; choices of text at their position).
   */
  function scatterBox(sweep, key, metric) {
    const dim = sweep.space[key];
    const scored = sweep.trials.filter(
      (t) => typeof t.objective === 'number' && Number.isFinite(t.objective) && t.params?.[key] !== undefined,
    );
    const labels =
      dim.type === 'choice' && dim.values.some((v) => typeof v !== 'number') ? dim.values.map(String) : null;
    const numericChoice = dim.type === 'choice' && !labels;
    const xOf = (t) => (labels ? labels.indexOf(String(t.params[key])) : Number(t.params[key]));
    const points = scored.map((t) => ({ x: xOf(t), y: t.objective, t })).sort((a, b) => a.x - b.x);
    const box = h(
      'div',
      { class: 'chart', dataset: { chart: `scatter:${key}`, points: String(points.length) } },
      h('h3', null, `${metric} by ${key}`),
    );
    const holder = h('div');
    box.append(holder);
    const mount = () => {
      if (!points.length) {
        holder.append(h('p', { class: 'muted' }, 'No trial has a value yet.'));
        return;
      }
      const xs = points.map((p) => p.x);
      const isBest = (p) => p.t.index === sweep.best?.trial;
      const series = (label, pick, color, size) => ({
        label,
        stroke: color,
        fill: color,
        paths: () => null,
        points: { show: true, size, stroke: color, fill: color },
        value: (_u, v) => fmtNum(v),
        _pick: pick,
      });
      const groups = [
        series('trials', (p) => !isBest(p), TRIAL_COLORS.succeeded, 8),
        series('best', isBest, '#ea580c', 13),
      ];
      const opts = {
        width: Math.max(300, (box.clientWidth || 560) - 18),
        height: 240,
        scales: {
          x: {
            time: false,
            distr: dim.log && !labels ? 3 : 1,
            range: (_u, min, max) => pad(min, max, dim.log && !labels),
          },
        },
        axes: [
          // A choice of numbers is ticked at its values only (units 4, 8, not 4.5…).
          {
            label: key,
            splits: numericChoice ? () => dim.values : undefined,
            values: (_u, vals) =>
              vals.map((v) => (v === null ? '' : labels ? (Number.isInteger(v) ? (labels[v] ?? '') : '') : fmtNum(v))),
          },
          { label: metric, values: (_u, vals) => vals.map((v) => (v === null ? '' : fmtNum(v))), size: 64 },
        ],
        cursor: { drag: { x: false, y: false } },
        series: [
          { label: key, value: (_u, v) => (v === null ? '–' : labels ? (labels[v] ?? '–') : fmtNum(v)) },
          ...groups.map(({ _pick, ...s }) => s),
        ],
      };
      const data = [xs, ...groups.map((g) => points.map((p) => (g._pick(p) ? p.y : null)))];
      trackChart(new uPlot(opts, data, holder));
    };
    return { box, mount };
  }

  return { viewSweeps, viewSweep };
}

/** Room around the points so none sits on the frame (a single value gets a range of its own). */
function pad(min, max, log) {
  if (log) return min === max ? [min / 2, max * 2] : [min / 1.25, max * 1.25];
  const span = max - min || Math.abs(max) || 1;
  return [min - span * 0.1, max + span * 0.1];
}
