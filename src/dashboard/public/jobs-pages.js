// The dashboard's job pages: the queue (live and finished jobs, polled), and one job's
// progress and epoch charts.
import { api } from './api.js';
import { destroyShownCharts, historyCharts, mountCharts } from './charts.js';
import { badge, enc, fmtDuration, fmtTime, h, kv, link, num } from './dom.js';
import { isCurrent, poll, render } from './view.js';

const FINAL_JOB_STATES = new Set(['succeeded', 'failed', 'cancelled']);

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

export async function viewJobs(myToken) {
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
    if (!isCurrent(myToken)) return false;
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

export async function viewJob(myToken, [id]) {
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
    if (!isCurrent(myToken)) return false;
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
      destroyShownCharts();
      const boxes = historyCharts(lossHistory);
      chartHolder.replaceChildren(...(boxes.length ? boxes : [h('p', { class: 'muted' }, 'No epoch finished yet.')]));
      mountCharts();
    }
    return !FINAL_JOB_STATES.has(job.status);
  });
}
