// The dashboard's model-version page (issue #15, "Pictures"): the backtest's equity curve and
// drawdown beside the always-long and always-short baselines, predicted against realised test
// values, and a walk-forward report's per-fold IC and Sharpe. Kept apart from app.js, which
// hands in its DOM, API and chart helpers (`ui`).
//
// The equity curve is recomputed here from the predictions CSV and the bars' closes with the
// backtest's own rule (backtest.ts: sign(prediction) held H bars, every H-th sample traded,
// |Δposition| × (spread/2 + slippage) / close per change, compounding from 1). It is drawn
// only when it reproduces the reported total return and max drawdown; otherwise the page says
// so instead of drawing a curve that is not the one scored. Financing (swap points) is not
// mirrored: a version with swap points shows the note, not a curve. The arithmetic is in
// backtest-curve.js.
import uPlot from './uPlot.esm.js';
import { curve, horizonBars, parseCsv, pipSize, same, zeroRange } from './backtest-curve.js';

const COLORS = { model: '#2563eb', always_long: '#16a34a', always_short: '#dc2626' };
export function versionEvaluationViews(ui) {
  const { h, link, badge, fmtNum, fmtTime, table, num, kv, api, apiText, enc, renderWithCharts, trackChart } = ui;

  async function viewVersion(myToken, [id, version]) {
    const [model, v] = await Promise.all([
      api(`/models/${enc(id)}`),
      api(`/models/${enc(id)}/versions/${enc(version)}`),
    ]);
    let rows = [];
    let csvError = null;
    try {
      rows = parseCsv(await apiText(`/models/${enc(id)}/versions/${enc(version)}/predictions`));
    } catch (e) {
      csvError = e instanceof Error ? e.message : String(e);
    }
    const wf = v.walk_forward;
    const outOfSample = rows.filter((r) => (wf ? r.part.startsWith('fold_') : r.part === 'test'));
    const timeSeries = model.type === 'time_series';
    const equity =
      timeSeries && outOfSample.length
        ? await equityCharts(v, outOfSample)
        : {
            nodes: [
              h(
                'p',
                { class: 'muted' },
                'No equity curve: only a time-series version with test predictions has one here.',
              ),
            ],
            mounts: [],
          };
    const scatter = timeSeries && outOfSample.length ? scatterBox(outOfSample, wf ? 'folds' : 'test') : null;
    const folds = wf?.folds?.length ? foldSection(wf) : null;
    renderWithCharts(
      myToken,
      [
        h('div', { class: 'crumbs' }, link(['models'], 'Models'), ' / ', link(['models', id], id), ' / ', version),
        h('h1', null, `${model.name} ${version}`),
        kv([
          ['Status', badge(v.status)],
          ['Architecture', v.architecture ?? '–'],
          ['Trained', fmtTime(v.trained_at)],
          [
            'Evaluation',
            wf ? `walk-forward, ${wf.folds.length} folds (${wf.train_window})` : 'one train/validation/test split',
          ],
          ['Out-of-sample rows', h('span', { id: 'oos-rows' }, String(outOfSample.length))],
          csvError ? ['Predictions', h('span', { class: 'error-line' }, csvError)] : null,
        ]),
        h('h2', null, 'Equity and drawdown against the baselines'),
        equity.nodes,
        h('h2', null, 'Predicted against realised'),
        scatter
          ? h('div', { class: 'charts', id: 'scatter-charts' }, scatter.box)
          : h('p', { class: 'muted' }, 'No test predictions.'),
        folds ? [h('h2', null, 'Walk-forward folds'), folds.nodes] : null,
      ],
      [...equity.mounts, ...(scatter ? [scatter.mount] : []), ...(folds?.mounts ?? [])],
    );
  }

  /** One equity and one drawdown chart per symbol (the backtest scores each symbol alone). */
  async function equityCharts(v, rows) {
    const bt = v.metrics?.backtest;
    const H = horizonBars(v.target, v.timeframe);
    const symbols = [...new Set(rows.map((r) => r.symbol))].sort();
    const nodes = [];
    const mounts = [];
    for (const symbol of symbols) {
      const mine = rows.filter((r) => r.symbol === symbol);
      const reported = bt?.by_symbol?.[symbol];
      const swap = reported?.costs?.swap_points;
      if (!reported || H === null) {
        nodes.push(h('p', { class: 'muted' }, `${symbol}: no backtest to draw.`));
        continue;
      }
      if (swap && (swap.long || swap.short)) {
        nodes.push(
          h(
            'p',
            { class: 'muted' },
            `${symbol}: the backtest charges swap points, which this page does not mirror; see metrics.backtest.by_symbol.`,
          ),
        );
        continue;
      }
      const costs = {
        spread: (bt.spread_pips ?? 0) * pipSize(symbol),
        slippage: (bt.slippage_pips ?? 0) * pipSize(symbol),
      };
      let close;
      try {
        close =
          costs.spread || costs.slippage
            ? await closes(symbol, v.timeframe, mine[0].timestamp, mine.at(-1).timestamp)
            : null;
      } catch (e) {
        // The costs are fractions of the close: without the bars the curve cannot be the scored one.
        nodes.push(
          h(
            'p',
            { class: 'error-line' },
            `${symbol}: the bars needed to price the spread could not be read (${e instanceof Error ? e.message : String(e)}); not drawn.`,
          ),
        );
        continue;
      }
      const log = /^log_return_/.test(v.target);
      const curves = { model: curve(mine, (r) => r.prediction, H, log, costs, close) };
      for (const b of ['always_long', 'always_short'])
        if (v.baselines?.[b]?.backtest?.by_symbol?.[symbol])
          curves[b] = curve(mine, () => (b === 'always_long' ? 1 : -1), H, log, costs, close);
      const mismatch = Object.entries(curves).filter(([name, c]) => {
        const rep = name === 'model' ? reported : v.baselines[name].backtest.by_symbol[symbol];
        return !(same(c.equity.at(-1) - 1, rep.total_return) && same(c.maxDrawdown, rep.max_drawdown));
      });
      if (mismatch.length) {
        nodes.push(
          h(
            'p',
            { class: 'error-line', dataset: { equityMismatch: symbol } },
            `${symbol}: the curve recomputed here does not reproduce the reported backtest of ${mismatch.map(([n]) => n).join(', ')}; not drawn.`,
          ),
        );
        continue;
      }
      const xs = curves.model.times;
      const names = Object.keys(curves);
      const eq = lineBox(
        `Equity, ${symbol}`,
        `equity:${symbol}`,
        xs,
        names.map((n) => ({ label: n, values: curves[n].equity })),
      );
      eq.box.dataset.points = String(xs.length);
      eq.box.dataset.finalEquity = String(curves.model.equity.at(-1));
      eq.box.dataset.totalReturn = String(curves.model.equity.at(-1) - 1);
      const dd = lineBox(
        `Drawdown, ${symbol}`,
        `drawdown:${symbol}`,
        xs,
        names.map((n) => ({ label: n, values: curves[n].drawdown.map((d) => -d) })),
      );
      dd.box.dataset.points = String(xs.length);
      dd.box.dataset.maxDrawdown = String(curves.model.maxDrawdown);
      nodes.push(
        h('div', { class: 'charts', id: `equity-charts-${symbol.replace(/[^A-Za-z0-9]/g, '')}` }, eq.box, dd.box),
      );
      nodes.push(
        h(
          'p',
          { class: 'muted' },
          `${symbol}: ${xs.length} holding periods of ${H} bar${H === 1 ? '' : 's'}; total return ${fmtNum(curves.model.equity.at(-1) - 1)} (reported ${fmtNum(reported.total_return)}), max drawdown ${fmtNum(curves.model.maxDrawdown)}, after ${fmtNum(bt.spread_pips)} pip spread and ${fmtNum(bt.slippage_pips ?? 0)} pip slippage.`,
        ),
      );
      mounts.push(eq.mount, dd.mount);
    }
    if (symbols.length)
      nodes.push(
        h(
          'p',
          { class: 'muted' },
          'Recomputed in the browser from the predictions CSV and the bars, and drawn only when it reproduces the reported total return and max drawdown. The naive and ridge baselines have no stored predictions, so they are not drawn.',
        ),
      );
    return { nodes, mounts };
  }

  /** Closes by timestamp over [first, last], every page of GET /market-data. */
  async function closes(symbol, timeframe, first, last) {
    const out = new Map();
    let cursor = null;
    do {
      const page = await api(
        `/market-data?symbol=${enc(symbol)}&timeframe=${enc(timeframe)}&start=${enc(first)}&end=${enc(last)}&limit=10000${cursor ? `&cursor=${enc(cursor)}` : ''}`,
      );
      for (const b of page.bars) out.set(b.timestamp, b.close);
      cursor = page.next_cursor;
    } while (cursor);
    return out;
  }

  function lineBox(title, key, xs, series) {
    const box = h('div', { class: 'chart', dataset: { chart: key } }, h('h3', null, title));
    const holder = h('div');
    box.append(holder);
    const mount = () => {
      const opts = {
        width: Math.max(300, (box.clientWidth || 560) - 18),
        height: 240,
        scales: { x: { time: true } },
        axes: [{}, { values: (_u, vals) => vals.map((x) => (x === null ? '' : fmtNum(x))), size: 64 }],
        series: [
          { label: 'time' },
          ...series.map((s) => ({
            label: s.label,
            stroke: COLORS[s.label] ?? '#4b5563',
            width: s.label === 'model' ? 2 : 1.5,
            value: (_u, x) => fmtNum(x),
          })),
        ],
      };
      trackChart(new uPlot(opts, [xs, ...series.map((s) => s.values)], holder));
    };
    return { box, mount };
  }

  /** Every out-of-sample row: its prediction (x) against its realised value (y). */
  function scatterBox(rows, part) {
    const points = rows.map((r) => [r.prediction, r.realised]).sort((a, b) => a[0] - b[0]);
    const box = h(
      'div',
      { class: 'chart', dataset: { chart: 'predicted-realised', points: String(points.length) } },
      h('h3', null, `Realised against predicted (${part}, ${points.length} samples)`),
    );
    const holder = h('div');
    box.append(holder);
    const mount = () => {
      const opts = {
        width: Math.max(300, (box.clientWidth || 560) - 18),
        height: 280,
        scales: { x: { time: false } },
        axes: [
          { label: 'prediction', values: (_u, vals) => vals.map((x) => (x === null ? '' : fmtNum(x))) },
          { label: 'realised', values: (_u, vals) => vals.map((x) => (x === null ? '' : fmtNum(x))), size: 64 },
        ],
        cursor: { drag: { x: false, y: false } },
        series: [
          { label: 'prediction', value: (_u, x) => fmtNum(x) },
          {
            label: 'realised',
            stroke: COLORS.model,
            paths: () => null,
            points: { show: true, size: 4, stroke: COLORS.model, fill: COLORS.model },
            value: (_u, x) => fmtNum(x),
          },
        ],
      };
      trackChart(new uPlot(opts, [points.map((p) => p[0]), points.map((p) => p[1])], holder));
    };
    return { box, mount };
  }

  /** The walk-forward report: a table of each fold's span and metrics, and IC and Sharpe per fold as bars. */
  function foldSection(wf) {
    const folds = wf.folds;
    const rows = folds.map((f) =>
      h(
        'tr',
        { dataset: { fold: String(f.fold) } },
        h('td', { class: 'num' }, String(f.fold)),
        h('td', null, fmtTime(f.train_start), ' – ', fmtTime(f.train_end)),
        h('td', null, fmtTime(f.test_start), ' – ', fmtTime(f.test_end)),
        num(f.n),
        num(f.metrics?.ic),
        num(f.metrics?.directional_accuracy),
        num(f.metrics?.mse),
        num(f.metrics?.backtest?.sharpe),
      ),
    );
    const bars = [
      barBox('IC per fold', 'fold-ic', folds, (f) => f.metrics?.ic),
      barBox('Sharpe per fold', 'fold-sharpe', folds, (f) => f.metrics?.backtest?.sharpe),
    ];
    return {
      nodes: [
        table(['Fold', 'Training span', 'Test span', 'n', 'IC', 'Directional accuracy', 'MSE', 'Sharpe'], rows, {
          id: 'folds-table',
        }),
        h(
          'div',
          { class: 'charts', id: 'fold-charts' },
          bars.map((b) => b.box),
        ),
      ],
      mounts: bars.map((b) => b.mount),
    };
  }

  function barBox(title, key, folds, pick) {
    const values = folds.map((f) => (typeof pick(f) === 'number' ? pick(f) : null));
    const box = h(
      'div',
      { class: 'chart', dataset: { chart: key, points: String(values.filter((x) => x !== null).length) } },
      h('h3', null, title),
    );
    const holder = h('div');
    box.append(holder);
    const mount = () => {
      const opts = {
        width: Math.max(300, (box.clientWidth || 560) - 18),
        height: 220,
        // Bars stand on zero: the y range always holds it (a negative fold's IC hangs below).
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] },
          y: { range: (_u, min, max) => zeroRange(min, max) },
        },
        axes: [
          {
            label: 'fold',
            splits: () => folds.map((f) => f.fold),
            values: (_u, vals) => vals.map((x) => (Number.isInteger(x) ? String(x) : '')),
          },
          { values: (_u, vals) => vals.map((x) => (x === null ? '' : fmtNum(x))), size: 64 },
        ],
        series: [
          { label: 'fold' },
          {
            label: title.split(' ')[0],
            stroke: COLORS.model,
            fill: 'rgba(37,99,235,0.35)',
            paths: uPlot.paths.bars({ size: [0.6, 80] }),
            points: { show: false },
            value: (_u, x) => fmtNum(x),
          },
        ],
      };
      trackChart(new uPlot(opts, [folds.map((f) => f.fold), values], holder));
    };
    return { box, mount };
  }

  return { viewVersion };
}
