// The dashboard's model pages: the list of models, and one model with its versions,
// their metrics against the naive baselines and its deployments.
import { api } from './api.js';
import {
  badge,
  enc,
  flatNumbers,
  fmtDuration,
  fmtNum,
  fmtTime,
  fmtValue,
  h,
  isNeutral,
  keyMetrics,
  kv,
  link,
  lowerIsBetter,
  num,
  table,
} from './dom.js';
import { render } from './view.js';

/** The newest version when it is not the one shown (e.g. trained after the deployed one). */
function latestBeside(m) {
  if (!m.latest_version || m.latest_version === m.version) return h('span', { class: 'muted' }, '–');
  return h('span', { class: 'latest' }, `${m.latest_version} `, badge(m.latest_status));
}

export async function viewModels(myToken) {
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

export async function viewModel(myToken, [id]) {
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
