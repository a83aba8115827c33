import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in MLflow tracking server on loopback for tests of the mirror. It implements the
 * endpoints the mirror uses and checks each request against MLflow's REST API 2.0
 * documentation (https://mlflow.org/docs/latest/rest-api.html): method, required fields and
 * their types, status values, log-batch limits (1000 metrics, 100 params, 100 tags, 1000 in
 * all), param immutability; a request that breaks a rule gets MLflow's 400
 * INVALID_PARAMETER_VALUE and is recorded in `violations`, so a test can assert there were none.
 */
export interface RecordedCall {
  method: string;
  endpoint: string;
  body: any;
  status: number;
  at: number;
}

interface FakeRun {
  info: {
    run_id: string;
    run_uuid: string;
    experiment_id: string;
    run_name: string;
    status: string;
    start_time: number;
    end_time?: number;
    lifecycle_stage: string;
    artifact_uri: string;
    user_id: string;
  };
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Array<{ key: string; value: number; timestamp: number; step: number }>;
}

const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export class FakeMlflowServer {
  readonly calls: RecordedCall[] = [];
  readonly violations: string[] = [];
  readonly experiments = new Map<string, { experiment_id: string; name: string }>();
  readonly runs = new Map<string, FakeRun>();
  /** Milliseconds to wait before answering (a slow server). */
  delayMs = 0;
  /** Answer this many next requests with 503 (a flaky server). */
  failNext = 0;
  private server?: http.Server;
  private nextExperimentId = 1;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  endpoints(): string[] {
    return this.calls.map((c) => c.endpoint);
  }

  runByOurId(id: string): FakeRun | undefined {
    return [...this.runs.values()].find((r) => r.tags.get('mlwb.run_id') === id);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const endpoint = url.pathname.replace(/^\/api\/2\.0\/mlflow\//, '');
    let body: any = {};
    const send = (status: number, payload: unknown) => {
      this.calls.push({ method: req.method ?? '', endpoint, body, status, at: Date.now() });
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const bad = (message: string) => {
      this.violations.push(`${endpoint}: ${message}`);
      return send(400, { error_code: 'INVALID_PARAMETER_VALUE', message });
    };
    if (this.delayMs) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, this.delayMs);
        timer.unref();
        res.on('close', () => (clearTimeout(timer), r()));
      });
    }
    if (this.failNext > 0) {
      this.failNext--;
      return send(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try later' });
    }
    if (!url.pathname.startsWith('/api/2.0/mlflow/'))
      return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'no such endpoint' });
    if (req.method === 'POST') {
      if (!String(req.headers['content-type'] ?? '').includes('application/json'))
        return bad('POST bodies must be application/json');
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return bad('malformed JSON');
      }
    } else body = Object.fromEntries(url.searchParams);

    const isStr = (v: unknown) => typeof v === 'string' && v.length > 0;
    const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
    const kvs = (v: unknown, name: string, max: number, maxValue: number): string | null => {
      if (v === undefined) return null;
      if (!Array.isArray(v)) return `${name} must be an array`;
      if (v.length > max) return `${name} has ${v.length} entries (at most ${max})`;
      for (const t of v) {
        if (!t || !isStr(t.key) || typeof t.value !== 'string')
          return `${name} entries must be {key: string, value: string}`;
        if (t.key.length > 250) return `${name} key longer than 250`;
        if (t.value.length > maxValue) return `${name} value longer than ${maxValue}`;
      }
      return null;
    };
    const expectMethod = (m: string) => (req.method !== m ? `${endpoint} must be called with ${m}` : null);

    switch (endpoint) {
      case 'experiments/get-by-name': {
        const e = expectMethod('GET') ?? (!isStr(body.experiment_name) ? 'experiment_name is required' : null);
        if (e) return bad(e);
        const found = [...this.experiments.values()].find((x) => x.name === body.experiment_name);
        if (!found)
          return send(404, {
            error_code: 'RESOURCE_DOES_NOT_EXIST',
            message: `Could not find experiment with name '${body.experiment_name}'`,
          });
        return send(200, { experiment: { ...found, lifecycle_stage: 'active', artifact_location: '', tags: [] } });
      }
      case 'experiments/create': {
        const e =
          expectMethod('POST') ??
          (!isStr(body.name) ? 'name is required (string)' : null) ??
          kvs(body.tags, 'tags', 100, 8000);
        if (e) return bad(e);
        if ([...this.experiments.values()].some((x) => x.name === body.name))
          return send(400, {
            error_code: 'RESOURCE_ALREADY_EXISTS',
            message: `Experiment '${body.name}' already exists.`,
          });
        const id = String(this.nextExperimentId++);
        this.experiments.set(id, { experiment_id: id, name: body.name });
        return send(200, { experiment_id: id });
      }
      case 'runs/create': {
        const e =
          expectMethod('POST') ??
          (!isStr(body.experiment_id) ? 'experiment_id is required (string)' : null) ??
          (body.start_time !== undefined && !isInt(body.start_time) ? 'start_time must be an int64 (ms)' : null) ??
          (body.run_name !== undefined && typeof body.run_name !== 'string' ? 'run_name must be a string' : null) ??
          kvs(body.tags, 'tags', 100, 8000);
        if (e) return bad(e);
        if (!this.experiments.has(body.experiment_id))
          return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No experiment ${body.experiment_id}` });
        const id = randomUUID().replace(/-/g, '');
        const run: FakeRun = {
          info: {
            run_id: id,
            run_uuid: id,
            experiment_id: body.experiment_id,
            run_name: body.run_name ?? '',
            status: 'RUNNING',
            start_time: body.start_time ?? Date.now(),
            lifecycle_stage: 'active',
            artifact_uri: '',
            user_id: '',
          },
          params: new Map(),
          tags: new Map((body.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value])),
          metrics: [],
        };
        this.runs.set(id, run);
        return send(200, { run: { info: run.info, data: { tags: body.tags ?? [] } } });
      }
      case 'runs/log-batch': {
        const metrics = body.metrics ?? [];
        const e =
          expectMethod('POST') ??
          (!isStr(body.run_id) ? 'run_id is required (string)' : null) ??
          (!Array.isArray(metrics) ? 'metrics must be an array' : null) ??
          (metrics.length > 1000 ? `metrics has ${metrics.length} entries (at most 1000)` : null) ??
          (metrics.some(
            (m: any) =>
              !m ||
              !isStr(m.key) ||
              typeof m.value !== 'number' ||
              !isInt(m.timestamp) ||
              (m.step !== undefined && !isInt(m.step)),
          )
            ? 'metrics entries must be {key: string, value: number, timestamp: int64, step?: int64}'
            : null) ??
          kvs(body.params, 'params', 100, 6000) ??
          kvs(body.tags, 'tags', 100, 8000) ??
          (metrics.length + (body.params?.length ?? 0) + (body.tags?.length ?? 0) > 1000
            ? 'more than 1000 items in one batch'
            : null);
        if (e) return bad(e);
        const run = this.runs.get(body.run_id);
        if (!run)
          return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run '${body.run_id}' not found` });
        for (const p of body.params ?? []) {
          const old = run.params.get(p.key);
          if (old !== undefined && old !== p.value)
            return bad(
              `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}'`,
            );
        }
        for (const p of body.params ?? []) run.params.set(p.key, p.value);
        for (const t of body.tags ?? []) run.tags.set(t.key, t.value);
        for (const m of metrics)
          run.metrics.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 });
        return send(200, {});
      }
      case 'runs/update': {
        const e =
          expectMethod('POST') ??
          (!isStr(body.run_id) && !isStr(body.run_uuid) ? 'run_id is required (string)' : null) ??
          (body.status !== undefined && !STATUSES.includes(body.status)
            ? `status must be one of ${STATUSES.join(', ')}`
            : null) ??
          (body.end_time !== undefined && !isInt(body.end_time) ? 'end_time must be an int64 (ms)' : null);
        if (e) return bad(e);
        const run = this.runs.get(body.run_id ?? body.run_uuid);
        if (!run)
          return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run '${body.run_id}' not found` });
        if (body.status) run.info.status = body.status;
        if (body.end_time !== undefined) run.info.end_time = body.end_time;
        return send(200, { run_info: run.info });
      }
      default:
        return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${endpoint}` });
    }
  }
}
