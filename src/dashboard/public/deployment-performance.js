// The dashboard's deployment page (#/deployments/:id): realised live performance of every
// version serving on the deployment (active, shadow, canary) beside its backtest figures, as a
// table and two charts. Kept apart from app.js, which hands in its DOM, API and chart helpers
// (`ui`). All figures come from GET /deployments/{id}/performance (and …/performance/series for
// the calendar charts, deployment-series.js); nothing is recomputed here.
import uPlot from './uPlot.esm.js';
import { chartShell, seriesViews } from './deployment-series.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];
/** At most this many trailing windows on the "over time" chart (one API call each). */
const MAX_WINDOWS = 8;
const MIN_WINDOW = 3;
/** The figures compared on the champion-against-challenger chart (all "higher is better"). */
const BAR_FIGURES = ['ic', 'rank_ic', 'directional_accuracy', 'pnl_after_costs'];

export function deploymentViews(ui) {
  const { h, link, badge, fmtNum, fmtTime, table, kv, api, enc, renderWithCharts, trackChart } = ui;
  const { calendarCharts } = seriesViews(ui);

  const td = (v, field) => h('td', { class: 'num', dataset: { field } }, fmtNum(v));
  const ci = (c) => (Array.isArray(c) && c.length === 2 ? `[${fmtNum(c[0])}, ${fmtNum(c[1])}]` : '–');
  const pm = (v, se) =>
    typeof v === 'number' ? `${fmtNum(v)}${typeof se === 'number' ? ` ± ${fmtNum(se)}` : ''}` : '–';

  /** One row per version and kind of figures (live, then backtest). */
  function figureRows(v) {
    return ['live', 'backtest'].map((kind, i) => {
      const f = v[kind] ?? {};
      return h(
        'tr',
        { dataset: { version: v.version, role: v.role, kind } },
        i === 0 ? h('td', { rowspan: '2' }, v.version) : null,
        i === 0 ? h('td', { rowspan: '2' }, badge(v.role)) : null,
        h('td', null, kind),
        td(f.n, 'n'),
        td(f.ic, 'ic'),
        h('td', { class: 'num', dataset: { field: 'ic_ci95' } }, ci(f.ic_ci95)),
        td(f.rank_ic, 'rank_ic'),
        h(
          'td',
          { class: 'num', dataset: { field: 'directional_accuracy' } },
          pm(f.directional_accuracy, f.directional_accuracy_se),
        ),
        td(f.mse, 'mse'),
        td(f.mse_naive_zero, 'mse_naive_zero'),
        td(f.pnl_after_costs, 'pnl_after_costs'),
        i === 0 ? h('td', { rowspan: '2', dataset: { field: 'status' } }, badge(v.status)) : null,
      );
    });
  }

  /** Window sizes for the trailing-window chart: up to MAX_WINDOWS sizes from MIN_WINDOW to n. */
  function windowSizes(n) {
    if (n < MIN_WINDOW) return [];
    const sizes = new Set();
    for (let i = 1; i <= MAX_WINDOWS; i++) sizes.add(Math.max(MIN_WINDOW, Math.round((n * i) / MAX_WINDOWS)));
    return [...sizes].sort((a, b) => a - b);
  }

  const axisFmt = (_u, vals) => vals.map((v) => (v === null ? '' : fmtNum(v)));

  /**
   * (a) Live IC over the latest k scored predictions for growing k (one report per k), with each
   * version's backtest IC as a dashed level: where the live line sits below it, the model decays.
   */
  function overTimeChart(versions, sizes, reports) {
    const shell = chartShell(
      h,
      'live-ic-over-windows',
      'Live IC over the latest k predictions, against the backtest IC',
      sizes.length,
    );
    const series = [];
    const data = [sizes];
    versions.forEach((v, i) => {
      series.push({
        label: `${v.version} live`,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        points: { show: true },
        value: (_u, x) => fmtNum(x),
      });
      data.push(reports.map((r) => r.versions.find((x) => x.version === v.version)?.live?.ic ?? null));
      series.push({
        label: `${v.version} backtest`,
        stroke: COLORS[i % COLORS.length],
        width: 1,
        dash: [6, 4],
        points: { show: false },
        value: (_u, x) => fmtNum(x),
      });
      data.push(sizes.map(() => v.backtest?.ic ?? null));
    });
    const mount = () => {
      if (!sizes.length)
        return shell.holder.append(h('p', { class: 'muted' }, `Fewer than ${MIN_WINDOW} scored predictions yet.`));
      const opts = {
        width: shell.width(),
        height: 240,
        scales: { x: { time: false } },
        axes: [
          { label: 'latest k scored predictions', values: axisFmt },
          { label: 'IC', values: axisFmt, size: 64 },
        ],
        series: [{ label: 'k' }, ...series],
      };
      trackChart(new uPlot(opts, data, shell.holder));
    };
    return { box: shell.box, mount };
  }

  /** (b) Champion against challenger: each version's live figure beside the others', one bar each. */
  function championChart(versions) {
    const shell = chartShell(
      h,
      'champion-challenger',
      'Live figures: champion against challenger',
      versions.length * BAR_FIGURES.length,
    );
    const width = 0.8 / versions.length;
    // Bars of one figure sit side by side: version j's bar at x = figure + offset j.
    const xs = [];
    const cols = versions.map(() => []);
    BAR_FIGURES.forEach((_f, fi) =>
      versions.forEach((_v, j) => {
        xs.push(fi - 0.4 + width * (j + 0.5));
        cols.forEach((c, k) => c.push(k === j ? (versions[j].live?.[BAR_FIGURES[fi]] ?? null) : null));
      }),
    );
    const mount = () => {
      const opts = {
        width: shell.width(),
        height: 240,
        scales: { x: { time: false, range: [-0.6, BAR_FIGURES.length - 0.4] } },
        axes: [
          {
            splits: () => BAR_FIGURES.map((_f, i) => i),
            values: (_u, vals) => vals.map((v) => BAR_FIGURES[Math.round(v)] ?? ''),
          },
          { values: axisFmt, size: 64 },
        ],
        cursor: { drag: { x: false, y: false } },
        series: [
          { label: 'figure', value: (_u, x) => (x === null ? '–' : (BAR_FIGURES[Math.round(x)] ?? '–')) },
          ...versions.map((v, j) => ({
            label: `${v.version} (${v.role})`,
            stroke: COLORS[j % COLORS.length],
            fill: `${COLORS[j % COLORS.length]}99`,
            paths: uPlot.paths.bars({ size: [width * 0.9, 80], align: 0 }),
            points: { show: false },
            value: (_u, x) => fmtNum(x),
          })),
        ],
      };
      trackChart(new uPlot(opts, [xs, ...cols], shell.holder));
    };
    return { box: shell.box, mount };
  }

  async function viewDeployment(myToken, [id]) {
    const [dep, report] = await Promise.all([
      api(`/deployments/${enc(id)}`),
      api(`/deployments/${enc(id)}/performance?window=all`),
    ]);
    const versions = report.versions;
    const scored = Math.min(...versions.map((v) => v.live?.n ?? 0));
    const sizes = windowSizes(Number.isFinite(scored) ? scored : 0);
    const reports = [];
    for (const k of sizes) reports.push(await api(`/deployments/${enc(id)}/performance?window=last_n:${k}`));
    const charts = [
      ...(await calendarCharts(id)),
      overTimeChart(versions, sizes, reports),
      ...(versions.length > 1 ? [championChart(versions)] : []),
    ];
    const ch = dep.challenger;
    renderWithCharts(
      myToken,
      [
        h(
          'div',
          { class: 'crumbs' },
          link(['models'], 'Models'),
          ' / ',
          link(['models', dep.model_id], dep.model_id),
          ' / deployment',
        ),
        h('h1', null, `${dep.model_id} on ${dep.target}`),
        kv([
          ['ID', h('code', null, dep.id)],
          ['Active version', dep.version],
          ['Status', badge(dep.status)],
          ['Performance', h('span', { id: 'performance-status' }, badge(report.performance_status))],
          [
            'Challenger',
            ch
              ? `${ch.version} (${ch.mode}${ch.canary_share ? `, share ${fmtNum(ch.canary_share)}` : ''}) since ${fmtTime(ch.since)}`
              : '–',
          ],
          ['Deployed', fmtTime(dep.deployed_at)],
        ]),
        h('h2', null, 'Live against backtest'),
        table(
          [
            'Version',
            'Role',
            'Figures',
            'n',
            'IC',
            'IC 95 % CI',
            'Rank IC',
            'Directional acc. ± se',
            'MSE',
            'MSE naive zero',
            'PnL after costs',
            'Status',
          ],
          versions.flatMap(figureRows),
          { id: 'performance-table' },
        ),
        h(
          'p',
          { class: 'muted' },
          'Live: every prediction served through this deployment, scored against the realised bars. Backtest: the version’s test part. Status: the decay test on the latest scored predictions.',
        ),
        h('h2', null, 'Charts'),
        h(
          'div',
          { class: 'charts', id: 'performance-charts' },
          charts.map((c) => c.box),
        ),
      ],
      charts.map((c) => c.mount),
    );
  }

  return { viewDeployment };
}
