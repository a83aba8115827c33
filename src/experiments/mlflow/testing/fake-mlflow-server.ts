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
  body: RequestBody;
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
    let body: RequestBody = {};
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
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          return bad('the body must be a JSON object');
        body = parsed as RequestBody;
      } catch {
        return bad('malformed JSON');
      }
    } else body = Object.fromEntries(url.searchParams);

    const kvs = (v: unknown, name: string, max: number, maxValue: number): string | null => {
      if (v === undefined) return null;
      if (!Array.isArray(v)) return `${name} must be an array`;
      if (v.length > max) return `${name} has ${v.length} entries (at most ${max})`;
      for (const t of v as unknown[]) {
        if (!isKv(t)) return `${name} entries must be {key: string, value: string}`;
        if (t.key.length > 250) return `${name} key longer than 250`;
        if (t.value.length > maxValue) return `${name} value longer than ${maxValue}`;
      }
      return null;
    };
    const expectMethod = (m: string) => (req.method !== m ? `${endpoint} must be called with ${m}` : null);

    switch (endpoint) {
      case 'experiments/get-by-name': {
        const name = body.experiment_name;
        const e = expectMethod('GET') ?? (!isStr(name) ? 'experiment_name is required' : null);
        if (e || !isStr(name)) return bad(e ?? 'experiment_name is required');
        const found = [...this.experiments.values()].find((x) => x.name === name);
        if (!found)
          return send(404, {
            error_code: 'RESOURCE_DOES_NOT_EXIST',
            message: `Could not find experiment with name '${name}'`,
          });
        return send(200, { experiment: { ...found, lifecycle_stage: 'active', artifact_location: '', tags: [] } });
      }
      case 'experiments/create': {
        const name = body.name;
        const e =
          expectMethod('POST') ??
          (!isStr(name) ? 'name is required (string)' : null) ??
          kvs(body.tags, 'tags', 100, 8000);
        if (e || !isStr(name)) return bad(e ?? 'name is required (string)');
        if ([...this.experiments.values()].some((x) => x.name === name))
          return send(400, {
            error_code: 'RESOURCE_ALREADY_EXISTS',
            message: `Experiment '${name}' already exists.`,
          });
        const id = String(this.nextExperimentId++);
        this.experiments.set(id, { experiment_id: id, name });
        return send(200, { experiment_id: id });
      }
      case 'runs/create': {
        const { experiment_id: experimentId, start_time: startTime, run_name: runName, tags } = body;
        const e =
          expectMethod('POST') ??
          (!isStr(experimentId) ? 'experiment_id is required (string)' : null) ??
          (startTime !== undefined && !isInt(startTime) ? 'start_time must be an int64 (ms)' : null) ??
          (runName !== undefined && typeof runName !== 'string' ? 'run_name must be a string' : null) ??
          kvs(tags, 'tags', 100, 8000);
        if (e || !isStr(experimentId)) return bad(e ?? 'experiment_id is required (string)');
        if (!this.experiments.has(experimentId))
          return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No experiment ${experimentId}` });
        const tagList = (tags ?? []) as KV[];
        const id = randomUUID().replace(/-/g, '');
        const run: FakeRun = {
          info: {
            run_id: id,
            run_uuid: id,
            experiment_id: experimentId,
            run_name: typeof runName === 'string' ? runName : '',
            status: 'RUNNING',
            start_time: isInt(startTime) ? startTime : Date.now(),
            lifecycle_stage: 'active',
            artifact_uri: '',
            user_id: '',
          },
          params: new Map(),
          tags: new Map(tagList.map((t) => [t.key, t.value])),
          metrics: [],
        };
        this.runs.set(id, run);
        return send(200, { run: { info: run.info, data: { tags: tagList } } });
      }
      case 'runs/log-batch': {
        const metrics = body.metrics ?? [];
        const runId = body.run_id;
        const e =
          expectMethod('POST') ??
          (!isStr(runId) ? 'run_id is required (string)' : null) ??
          (!Array.isArray(metrics) ? 'metrics must be an array' : null) ??
          (Array.isArray(metrics) && metrics.length > 1000
            ? `metrics has ${metrics.length} entries (at most 1000)`
            : null) ??
          (Array.isArray(metrics) && !(metrics as unknown[]).every(isMetric)
            ? 'metrics entries must be {key: string, value: number, timestamp: int64, step?: int64}'
            : null) ??
          kvs(body.params, 'params', 100, 6000) ??
          kvs(body.tags, 'tags', 100, 8000) ??
          (lengthOf(metrics) + lengthOf(body.params) + lengthOf(body.tags) > 1000
            ? 'more than 1000 items in one batch'
            : null);
        if (e || !isStr(runId)) return bad(e ?? 'run_id is required (string)');
        const run = this.runs.get(runId);
        if (!run) return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run '${runId}' not found` });
        const params = (body.params ?? []) as KV[];
        for (const p of params) {
          const old = run.params.get(p.key);
          if (old !== undefined && old !== p.value)
            return bad(
              `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}'`,
            );
        }
        for (const p of params) run.params.set(p.key, p.value);
        for (const t of (body.tags ?? []) as KV[]) run.tags.set(t.key, t.value);
        for (const m of metrics as MetricIn[])
          run.metrics.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 });
        return send(200, {});
      }
      case 'runs/update': {
        const { run_id: runIdField, run_uuid: runUuid, status, end_time: endTime } = body;
        const runId = isStr(runIdField) ? runIdField : isStr(runUuid) ? runUuid : null;
        const e =
          expectMethod('POST') ??
          (runId === null ? 'run_id is required (string)' : null) ??
          (status !== undefined && !(typeof status === 'string' && STATUSES.includes(status))
            ? `status must be one of ${STATUSES.join(', ')}`
            : null) ??
          (endTime !== undefined && !isInt(endTime) ? 'end_time must be an int64 (ms)' : null);
        if (e || runId === null) return bad(e ?? 'run_id is required (string)');
        const run = this.runs.get(runId);
        if (!run) return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run '${runId}' not found` });
        if (typeof status === 'string' && status) run.info.status = status;
        if (isInt(endTime)) run.info.end_time = endTime;
        return send(200, { run_info: run.info });
      }
      default:
        return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${endpoint}` });
    }
  }
}

/** A request's fields as sent (JSON body or query string), before the checks. */
export type RequestBody = Record<string, unknown>;
type KV = { key: string; value: string };
type MetricIn = { key: string; value: number; timestamp: number; step?: number };

function isStr(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isKv(v: unknown): v is KV {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return isStr(o.key) && typeof o.value === 'string';
}

function isMetric(v: unknown): v is MetricIn {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return isStr(o.key) && typeof o.value === 'number' && isInt(o.timestamp) && (o.step === undefined || isInt(o.step));
}

function lengthOf(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}
