import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../common/project-root';
import { metricDirectionsModule } from '../experiments/compare/metric-direction';

export interface DashboardAsset {
  /** Absolute path of the file on disk (empty for a generated asset). */
  file: string;
  /** A generated asset's content (served instead of a file). */
  body?: Buffer;
  contentType: string;
}

/**
 * The page's own files live in src/dashboard/public. `nest build` and npm start's compiled
 * copy (scripts/compiled-sources.js) compile only TypeScript, so from there the folder is
 * found back in the sources.
 */
export function publicDir(): string {
  const root = projectRoot(__dirname);
  const candidates = [path.join(__dirname, 'public'), ...(root ? [path.join(root, 'src', 'dashboard', 'public')] : [])];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`Dashboard assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The page's own ES modules (app.js imports the others). */
const PAGE_SCRIPTS = [
  'app.js',
  'api.js',
  'dom.js',
  'charts.js',
  'view.js',
  'models-pages.js',
  'experiments-pages.js',
  'jobs-pages.js',
  'sweeps.js',
  'deployment-performance.js',
  'deployment-series.js',
  'version-evaluation.js',
  'backtest-curve.js',
];

/**
 * The only files GET /ui/assets/:name serves: a fixed allow-list, never a path taken from
 * the request. The chart library (uPlot) is served from node_modules as it ships.
 */
export function dashboardAssets(dir = publicDir()): Map<string, DashboardAsset> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  return new Map<string, DashboardAsset>([
    ...PAGE_SCRIPTS.map((name): [string, DashboardAsset] => [name, { file: path.join(dir, name), contentType: js }]),
    ['app.css', { file: path.join(dir, 'app.css'), contentType: css }],
    ['metric-directions.js', { file: '', body: Buffer.from(metricDirectionsModule()), contentType: js }],
    ['uPlot.esm.js', { file: require.resolve('uplot/dist/uPlot.esm.js'), contentType: js }],
    ['uPlot.min.css', { file: require.resolve('uplot/dist/uPlot.min.css'), contentType: css }],
  ]);
}
