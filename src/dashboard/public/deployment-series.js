// The deployment page's charts over calendar time, from GET /deployments/{id}/performance/series:
// (c) each version's live IC per day (week, month when the days get many) against its backtest
// IC, (d) each version's PnL after costs compounded over those buckets — the active version
// against its challenger. The API computes every figure; nothing is recomputed here.
import uPlot from './uPlot.esm.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];
/** Beyond this many points a finer bucket is replaced by the next coarser one. */
const MAX_POINTS = 120;

/** A chart's box (title, `data-chart` key and point count for tests) and the holder uPlot draws into. */
export function chartShell(h, key, title, points) {
  const box = h('div', { class: 'chart', dataset: { chart: key, points: String(points) } }, h('h3', null, title));
  const holder = h('div');
  box.append(holder);
  return { box, holder, width: () => Math.max(300, (box.clientWidth || 560) - 18) };
}

export function seriesViews(ui) {
  const { h, fmtNum, api, enc, trackChart } = ui;
  const axisFmt = (_u, vals) => vals.map((v) => (v === null ? '' : fmtNum(v)));

  /** The series at the finest bucket that keeps every version under MAX_POINTS points. */
  async function loadSeries(id) {
    let series;
    for (const bucket of ['day', 'week', 'month']) {
      series = await api(`/deployments/${enc(id)}/performance/series?bucket=${bucket}`);
      if (series.versions.every((v) => v.points.length <= MAX_POINTS)) break;
    }
    return series;
  }

  /** One x axis for all versions (bucket starts, seconds), each version's values aligned on it (null where it has none). */
  function aligned(versions, pick) {
    const xs = [...new Set(versions.flatMap((v) => v.points.map((p) => Date.parse(p.start))))].sort((a, b) => a - b);
    const cols = versions.map((v) => {
      const by = new Map(v.points.map((p) => [Date.parse(p.start), pick(p)]));
      return xs.map((x) => by.get(x) ?? null);
    });
    return { xs: xs.map((x) => x / 1000), cols };
  }

  function mountLines(shell, xs, series, data, yLabel) {
    return () => {
      if (!xs.length) return shell.holder.append(h('p', { class: 'muted' }, 'No scored predictions yet.'));
      const opts = {
        width: shell.width(),
        height: 240,
        scales: { x: { time: true } },
        axes: [{}, { label: yLabel, values: axisFmt, size: 64 }],
        series: [{ label: 'bucket' }, ...series],
      };
      trackChart(new uPlot(opts, [xs, ...data], shell.holder));
    };
  }

  /** (c) Live IC per bucket, a line per version, and its backtest IC as a dashed level. */
  function icChart(s) {
    const { xs, cols } = aligned(s.versions, (p) => p.ic);
    const shell = chartShell(
      h,
      `live-ic-by-${s.bucket}`,
      `Live IC per ${s.bucket}, against the backtest IC`,
      xs.length,
    );
    const series = [];
    const data = [];
    s.versions.forEach((v, i) => {
      const stroke = COLORS[i % COLORS.length];
      series.push({ label: `${v.version} live`, stroke, width: 2, spanGaps: true, value: (_u, x) => fmtNum(x) });
      data.push(cols[i]);
      series.push({ label: `${v.version} backtest`, stroke, width: 1, dash: [6, 4], points: { show: false } });
      data.push(xs.map(() => v.backtest?.ic ?? null));
    });
    return { box: shell.box, mount: mountLines(shell, xs, series, data, 'IC') };
  }

  /** (d) PnL after costs compounded bucket by bucket: champion against challenger over time. */
  function pnlChart(s) {
    const { xs, cols } = aligned(s.versions, (p) => p.cumulative_pnl_after_costs);
    const shell = chartShell(h, 'cumulative-pnl', `PnL after costs, compounded per ${s.bucket}`, xs.length);
    const series = s.versions.map((v, i) => ({
      label: `${v.version} (${v.role})`,
      stroke: COLORS[i % COLORS.length],
      width: 2,
      spanGaps: true,
      value: (_u, x) => fmtNum(x),
    }));
    return { box: shell.box, mount: mountLines(shell, xs, series, cols, 'compounded PnL') };
  }

  /** The two calendar charts of a deployment (loaded before the page renders). */
  async function calendarCharts(id) {
    const s = await loadSeries(id);
    return [icChart(s), pnlChart(s)];
  }

  return { calendarCharts };
}
