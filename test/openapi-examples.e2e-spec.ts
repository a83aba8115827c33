import { demoBars, DEMO_SERIES, readFedRates } from '../src/market-data/demo-data.loader';
import { MarketDataService } from '../src/market-data/market-data.service';
import { bodyExamples, parameterExample, placeholdersIn, type OpenApiDoc } from './support/openapi-examples';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Every request example of /docs-json, sent as it is — what a user gets by pressing "Try it out"
 * then "Execute" in Swagger UI — against a fresh service with the demo data (the Fed's daily
 * EUR/USD and GBP/USD fixes), must answer 2xx. Operations run in an order a user would follow
 * (import before resample, train before predict, deploy before rollback), and ids that only
 * exist once something was created (a job, a run, a deployment) are filled in from the answers
 * before them; every other value is the document's own example.
 */

/** Parameters whose value is an id the service hands out: taken from earlier answers, never from the document. */
const ID_PARAMS = new Set(['id', 'model_id', 'version', 'key', 'run_ids']);

/**
 * MLflow's REST API (for MLflow clients): free-form bodies and queries with no examples in the
 * document. The ONNX import is a multipart upload of a file the user picks in Swagger UI: a
 * document cannot hold an example file (test/onnx.e2e-spec.ts sends real ones).
 */
const WITHOUT_EXAMPLES = /^((GET|POST) \/api\/2\.0\/mlflow\/|POST \/api\/v1\/models\/import$)/;

interface Sent {
  example: string;
  status: number;
  body: any;
}

describe('OpenAPI request examples', () => {
  let t: TestApp;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true', RATE_LIMIT_PER_MINUTE: '0' });
    if (!t.config.usesEmbeddedDatabase) {
      // The service loads the demo data into an empty embedded database only; load the same rows here.
      const marketData = t.app.get(MarketDataService);
      const rates = readFedRates();
      for (const { code, symbol } of DEMO_SERIES) await marketData.upsertColumns(symbol, '1d', demoBars(rates, code));
    }
    doc = await (await t.fetch('/docs-json')).json();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('each one answers 2xx, sent as it is, against a fresh service with the demo data', async () => {
    const failures: string[] = [];
    const covered = new Set<string>();
    /** A parameter example as the URL carries it: a list comma-separated, as String() joins it. */
    const asText = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(',') : String(v));

    /** Sends every example of one operation; `ids` fills the id parameters. */
    async function send(opKey: string, ids: Record<string, string> = {}): Promise<Sent[]> {
      covered.add(opKey);
      const [method, route] = opKey.split(' ');
      const op = doc.paths[route]?.[method.toLowerCase()];
      if (!op) {
        failures.push(`${opKey}: not in the document`);
        return [];
      }
      let url = route;
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        const value = ID_PARAMS.has(p.name) && ids[p.name] !== undefined ? ids[p.name] : parameterExample(p);
        if (p.in === 'path') {
          if (value === undefined) failures.push(`${opKey}: path parameter ${p.name} has no example`);
          url = url.replace(`{${p.name}}`, encodeURIComponent(asText(value)));
        } else if (p.in === 'query' && value !== undefined) query.set(p.name, asText(value));
        else if (p.in === 'query' && p.required)
          failures.push(`${opKey}: required query parameter ${p.name} has no example`);
      }
      if (query.size) url += `?${query.toString()}`;
      const bodies = bodyExamples(doc, op);
      const out: Sent[] = [];
      for (const b of bodies.length ? bodies : [undefined]) {
        const res = await t.fetch(url, {
          method,
          headers: b ? { 'content-type': b.contentType } : {},
          body:
            b === undefined
              ? undefined
              : b.contentType === 'application/json'
                ? JSON.stringify(b.value)
                : String(b.value),
        });
        const text = await res.text();
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON (metrics, a CSV, a file) */
        }
        const example = b ? `${b.contentType} ${b.name}` : 'no body';
        if (res.status < 200 || res.status > 299)
          failures.push(`${opKey} (${example}) → ${res.status}: ${text.slice(0, 400)}`);
        out.push({ example, status: res.status, body });
      }
      return out;
    }
    const waitForJob = async (id: string, until: (status: string) => boolean) => {
      for (let i = 0; i < 1200; i++) {
        const job = await (await t.fetch(`/api/v1/training/jobs/${id}`)).json();
        if (until(job.status)) return job;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`job ${id} did not finish`);
    };

    for (const op of [
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /api/v1/market-data/symbols',
    ])
      await send(op);
    // Market data: the import example fills a series the demo data lacks (EUR/USD 1h), which the resample and delete examples then use.
    await send('POST /api/v1/market-data/import');
    await send('GET /api/v1/market-data');
    await send('POST /api/v1/market-data/resample');
    for (const op of ['GET /api/v1/features', 'GET /api/v1/features/values', 'POST /api/v1/features/select'])
      await send(op);

    // Training: the example trains a small model on the demo data; wait for it.
    const [accepted] = await send('POST /api/v1/models/train');
    const model = { model_id: accepted?.body?.model_id, version: accepted?.body?.version, job: accepted?.body?.job_id };
    if (!model.job) throw new Error(`the train example was refused: ${failures.join('\n')}`);
    const job = await waitForJob(model.job, (s) => ['succeeded', 'failed', 'cancelled'].includes(s));
    expect({ status: job.status, error: job.error }).toEqual({ status: 'succeeded', error: null });
    await send('GET /api/v1/training/jobs');
    await send('GET /api/v1/training/jobs/{id}', { id: model.job });
    await send('GET /api/v1/models');
    await send('GET /api/v1/models/{model_id}', { model_id: model.model_id });
    await send('GET /api/v1/models/{model_id}/versions/{version}', {
      model_id: model.model_id,
      version: model.version,
    });
    await send('GET /api/v1/models/{model_id}/versions/{version}/model.onnx', {
      model_id: model.model_id,
      version: model.version,
    });
    await send('GET /api/v1/models/{model_id}/versions/{version}/predictions', {
      model_id: model.model_id,
      version: model.version,
    });

    // A second version of the same model (the train example again, sent directly), aliased @challenger: the deploy examples' shadow and canary.
    const again = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: doc.paths['/api/v1/models/train'].post.requestBody.content['application/json'].examples.demo_data_lstm
        .value,
    });
    expect(again.status).toBe(202);
    const challengerJob = await waitForJob((await again.json()).job_id, (s) =>
      ['succeeded', 'failed', 'cancelled'].includes(s),
    );
    expect(challengerJob.status).toBe('succeeded');
    expect(
      (
        await t.fetch(`/api/v1/models/${model.model_id}/aliases/challenger`, {
          method: 'PUT',
          json: { version: challengerJob.version },
        })
      ).status,
    ).toBe(200);

    // Deploy (twice: the second replaces the first, so that there is something to roll back to; each time the
    // seed body, then a shadow and a canary challenger), predict, promote the challenger, roll back, undeploy.
    await send('POST /api/v1/models/{model_id}/deploy', { model_id: model.model_id });
    const [redeployed] = await send('POST /api/v1/models/{model_id}/deploy', { model_id: model.model_id });
    await send('GET /api/v1/deployments');
    await send('GET /api/v1/deployment-targets');
    await send('GET /api/v1/deployments/{id}', { id: redeployed?.body?.id });
    // Aliases: the predict examples include "@champion", so the alias is set before them and removed after.
    await send('PUT /api/v1/models/{model_id}/aliases/{alias}', { model_id: model.model_id });
    await send('GET /api/v1/models/{model_id}/aliases', { model_id: model.model_id });
    await send('POST /api/v1/models/{model_id}/predict', { model_id: model.model_id });
    await send('GET /api/v1/models/{model_id}/history', { model_id: model.model_id });
    await send('DELETE /api/v1/models/{model_id}/aliases/{alias}', { model_id: model.model_id });
    await send('GET /api/v1/deployments/{id}/monitoring', { id: redeployed?.body?.id });
    await send('GET /api/v1/deployments/{id}/performance', { id: redeployed?.body?.id });
    await send('GET /api/v1/deployments/{id}/performance/series', { id: redeployed?.body?.id });
    await send('POST /api/v1/deployments/{id}/promote', { id: redeployed?.body?.id });
    const [rolledBack] = await send('POST /api/v1/models/{model_id}/rollback', { model_id: model.model_id });
    await send('POST /api/v1/deployments/{id}/undeploy', { id: rolledBack?.body?.id });

    // The training run's artifacts.
    await send('GET /api/v1/runs/{id}/artifacts', { id: job.run_id });
    await send('GET /api/v1/runs/{id}/artifacts/{path}', { id: job.run_id });

    // Experiments and runs, created through their own examples.
    await send('GET /api/v1/experiments');
    const [experiment] = await send('POST /api/v1/experiments');
    const experimentId = experiment?.body?.id;
    await send('GET /api/v1/experiments/{id}', { id: experimentId });
    await send('PATCH /api/v1/experiments/{id}', { id: experimentId });
    const [run] = await send('POST /api/v1/experiments/{id}/runs', { id: experimentId });
    const runId = run?.body?.id;
    await send('GET /api/v1/runs/{id}', { id: runId });
    await send('POST /api/v1/runs/{id}/params', { id: runId });
    const [logged] = await send('POST /api/v1/runs/{id}/metrics', { id: runId });
    await send('POST /api/v1/runs/{id}/tags', { id: runId });
    await send('PATCH /api/v1/runs/{id}', { id: runId });
    await send('GET /api/v1/runs/{id}/metrics/{key}', { id: runId, key: logged ? 'val_loss' : '' });
    await send('DELETE /api/v1/runs/{id}/tags/{key}', { id: runId, key: 'reviewed' });
    await send('POST /api/v1/runs/{id}/finish', { id: runId });
    await send('GET /api/v1/experiments/{id}/runs', { id: experimentId });
    await send('GET /api/v1/experiments/{id}/compare', { id: experimentId, run_ids: runId });
    await send('DELETE /api/v1/runs/{id}', { id: runId });
    await send('POST /api/v1/runs/{id}/restore', { id: runId });
    await send('POST /api/v1/experiments/{id}/archive', { id: experimentId });
    await send('POST /api/v1/experiments/{id}/restore', { id: experimentId });

    // The train example again (the model's next version), cancelled while it is queued or running.
    const [second] = await send('POST /api/v1/models/train');
    await send('POST /api/v1/training/jobs/{id}/cancel', { id: second?.body?.job_id });
    if (second?.body?.job_id)
      await waitForJob(second.body.job_id, (s) => ['succeeded', 'failed', 'cancelled'].includes(s));

    // A sweep from its example, looked at, then cancelled (its trials would train for minutes).
    const [sweep] = await send('POST /api/v1/sweeps');
    await send('GET /api/v1/sweeps');
    await send('GET /api/v1/sweeps/{id}', { id: sweep?.body?.id });
    await send('POST /api/v1/sweeps/{id}/cancel', { id: sweep?.body?.id });

    // A retraining schedule of the trained model from its example: looked at, paused, run now (its job awaited), deleted.
    const [schedule] = await send('POST /api/v1/models/{model_id}/schedules', { model_id: model.model_id });
    const scheduleId = schedule?.body?.id;
    await send('GET /api/v1/models/{model_id}/schedules', { model_id: model.model_id });
    await send('GET /api/v1/schedules/{id}', { id: scheduleId });
    await send('PATCH /api/v1/schedules/{id}', { id: scheduleId });
    const [scheduledRun] = await send('POST /api/v1/schedules/{id}/run', { id: scheduleId });
    if (scheduledRun?.body?.job_id)
      await waitForJob(scheduledRun.body.job_id, (s) => ['succeeded', 'failed', 'cancelled'].includes(s));
    await send('DELETE /api/v1/schedules/{id}', { id: scheduleId });

    // Destructive ones last: the imported 1h series, then the model (archived; nothing is deployed any more).
    await send('DELETE /api/v1/market-data');
    await send('DELETE /api/v1/models/{model_id}', { model_id: model.model_id });

    expect(failures).toEqual([]);
    const all = Object.entries(doc.paths).flatMap(([route, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${route}`),
    );
    expect(all.filter((op) => !covered.has(op) && !WITHOUT_EXAMPLES.test(op))).toEqual([]);
  }, 600_000);

  it('composes no body from placeholders: every field of a body without its own examples has an example, a default or an enum', () => {
    const placeholders: string[] = [];
    for (const [route, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const opKey = `${method.toUpperCase()} ${route}`;
        if (WITHOUT_EXAMPLES.test(opKey)) continue;
        for (const media of Object.values<any>(op.requestBody?.content ?? {})) {
          if (media.examples || media.example !== undefined) continue;
          for (const at of placeholdersIn(doc, media.schema)) placeholders.push(`${opKey} ${at}`);
        }
      }
    }
    // Swagger UI would send "string", 0 or {"additionalProp1": …} there.
    expect(placeholders).toEqual([]);
  });
});
