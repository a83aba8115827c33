// ML Workbench dashboard: ES modules, no build step. This one routes: it maps the URL's hash
// to a page (models-pages.js, experiments-pages.js, jobs-pages.js, sweeps.js,
// version-evaluation.js, deployment-performance.js) and hands the pages their helpers.
// The API client is api.js, the DOM helpers dom.js, the charts charts.js, the screen view.js.
import { AUTH_REQUIRED, api, apiText, errorText, getKey, setKey } from './api.js';
import { trackChart } from './charts.js';
import { badge, enc, fmtDuration, fmtNum, fmtTime, h, kv, link, num, table } from './dom.js';
import { sweepViews } from './sweeps.js';
import { deploymentViews } from './deployment-performance.js';
import { versionEvaluationViews } from './version-evaluation.js';
import { nextView, poll, render, renderWithCharts, show } from './view.js';
import { viewModel, viewModels } from './models-pages.js';
import { viewCompare, viewExperiments, viewRun, viewRuns } from './experiments-pages.js';
import { viewJob, viewJobs } from './jobs-pages.js';

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
  trackChart,
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
  trackChart,
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
  trackChart,
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
  const myToken = nextView();
  const raw = location.hash.replace(/^#\/?/, '') || 'models';
  const [path, queryString = ''] = raw.split('?');
  const query = new URLSearchParams(queryString);
  const section = path.split('/')[0];
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === section);
  if (AUTH_REQUIRED && !getKey()) {
    show(
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
    show(h('div', { class: 'error' }, 'No such page. '), link(['models'], 'Back to the models'));
    return;
  }
  const args = match[0].exec(path).slice(1).map(decodeURIComponent);
  show(h('p', { class: 'muted' }, 'Loading…'));
  try {
    await match[1](myToken, args, query);
  } catch (e) {
    render(myToken, h('div', { class: 'error', id: 'view-error' }, errorText(e)));
  }
}

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
    setKey(input.value.trim());
    showState();
    void onRoute();
  });
}

setupKeyForm();
window.addEventListener('hashchange', () => void onRoute());
void onRoute();
