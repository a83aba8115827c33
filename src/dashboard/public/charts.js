// The dashboard's line charts (uPlot): built once their box is in the document, destroyed
// when the view changes, resized with the window.
import uPlot from './uPlot.esm.js';
import { fmtNum, h } from './dom.js';

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
export function chartBox(title, xs, series, { xLabel = 'step', key } = {}) {
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

export function mountCharts() {
  const mounts = pendingMounts;
  pendingMounts = [];
  for (const m of mounts) m();
}

export function destroyCharts() {
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
export function historyCharts(history) {
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

/** The charts the boxes built since the last call will build, for renderWithCharts to mount. */
export function takePendingMounts() {
  const mounts = pendingMounts;
  pendingMounts = [];
  return mounts;
}

/** Keeps a chart a view built itself, so that it is resized and destroyed with the others. */
export function trackChart(c) {
  charts.add(c);
}

/** Destroys the charts shown (not those waiting to be built). */
export function destroyShownCharts() {
  for (const c of charts) c.destroy();
  charts.clear();
}

/** Destroys the charts shown, then builds the ones a view just put in the document. */
export function replaceCharts(mounts) {
  destroyShownCharts();
  pendingMounts = mounts;
  mountCharts();
}
