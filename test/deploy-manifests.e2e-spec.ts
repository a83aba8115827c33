import { satisfiesNode } from './support/node-engines';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';
import { isWorkerRoute } from '../src/common/http/worker-routes';
import { AppConfig } from '../src/config/app-config';
import { EnvironmentVariables } from '../src/config/environment';
import { ConfigValidationError } from '../src/config/validate-environment';
import { startTestApp, type TestApp } from './support/test-app';
import { testDatabaseUrl } from './support/test-database';

/**
 * deploy/k8s/, the Dockerfile and .dockerignore, checked without a cluster or a Docker engine:
 * every manifest against the Kubernetes OpenAPI schemas (kubernetes-models, plus a strict
 * unknown-field check from its type declarations), and against the service itself — the
 * environment each Deployment gets validates as AppConfig, probes hit routes that answer,
 * ports, memory, grace periods and the shared registry volume agree with the configuration.
 */
const root = path.resolve(__dirname, '..');
const k8sDir = path.join(root, 'deploy/k8s');
const GiB = 2 ** 30;
/** main.ts: a stopping worker may spend up to 15 s handing its job back, on top of its drain. */
const WORKER_HANDBACK_BOUND_S = 15;
/** The process itself, besides its training jobs / model cache: Node, tfjs, pools, buffers. */
const PROCESS_BASELINE_BYTES = 1 * GiB;

type Obj = Record<string, any>;
interface Doc {
  file: string;
  obj: Obj;
}

function loadDir(): { docs: Doc[]; kustomization: Obj } {
  const docs: Doc[] = [];
  let kustomization: Obj | undefined;
  for (const file of fs
    .readdirSync(k8sDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const obj of loadAll(fs.readFileSync(path.join(k8sDir, file), 'utf8'))) {
      if (obj == null) continue;
      if ((obj as Obj).kind === 'Kustomization') kustomization = obj;
      else docs.push({ file, obj: obj });
    }
  }
  if (!kustomization) throw new Error('deploy/k8s/kustomization.yaml is missing');
  return { docs, kustomization };
}

/** kubernetes-models is ESM-only (import condition): validate in a child Node process, one result per document. */
function validateWithKubernetesModels(objs: Obj[]): Array<{ ok: boolean; error?: string }> {
  const script = `
    import { readFileSync } from 'node:fs';
    const docs = JSON.parse(readFileSync(0, 'utf8'));
    const out = [];
    for (const d of docs) {
      try {
        const mod = await import('kubernetes-models/' + d.apiVersion + '/' + d.kind);
        new mod[d.kind](d).validate();
        out.push({ ok: true });
      } catch (e) {
        out.push({ ok: false, error: String(e && e.message ? e.message : e) });
      }
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    input: JSON.stringify(objs),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`kubernetes-models validation could not run: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

/**
 * The OpenAPI schemas kubernetes-models compiles allow unknown fields (so does the API server
 * unless it validates strictly); a misspelt `readinesProbe` would be silently ignored. This
 * walks the object along the interfaces in kubernetes-models' .d.ts files and lists fields
 * that do not exist there.
 */
class StrictFields {
  private readonly cache = new Map<string, { fields: Map<string, string>; imports: Map<string, string> } | null>();

  unknownFields(obj: Obj): string[] {
    const file = path.join(root, 'node_modules/kubernetes-models', obj.apiVersion, `${obj.kind}.d.ts`);
    const problems: string[] = [];
    this.walk(obj, file, '', problems);
    return problems;
  }

  private walk(value: unknown, file: string, at: string, problems: string[]): void {
    const iface = this.parse(file);
    if (!iface || value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const type = iface.fields.get(key);
      if (type === undefined) {
        problems.push(`${at}/${key}`);
        continue;
      }
      this.walkType(child, type, iface.imports, file, `${at}/${key}`, problems);
    }
  }

  private walkType(
    value: unknown,
    type: string,
    imports: Map<string, string>,
    file: string,
    at: string,
    problems: string[],
  ): void {
    const array = /^Array<(.+)>$/s.exec(type);
    if (array) {
      if (Array.isArray(value))
        value.forEach((v, i) => this.walkType(v, array[1].trim(), imports, file, `${at}/${i}`, problems));
      return;
    }
    const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/s.exec(type);
    if (map) {
      if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value))
          this.walkType(v, map[1].trim(), imports, file, `${at}/${k}`, problems);
      return;
    }
    const from = imports.get(type);
    if (from) this.walk(value, this.resolve(file, from), at, problems);
  }

  private resolve(file: string, spec: string): string {
    if (spec.startsWith('.')) return path.resolve(path.dirname(file), spec.replace(/\.js$/, '.d.ts'));
    return path.join(root, 'node_modules', `${spec}.d.ts`);
  }

  /** The first `export interface` of a .d.ts file: its properties and their type text; null for aliases (Quantity, IntOrString...). */
  private parse(file: string): { fields: Map<string, string>; imports: Map<string, string> } | null {
    if (this.cache.has(file)) return this.cache.get(file)!;
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '') : '';
    const imports = new Map<string, string>();
    for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g))
      for (const name of m[1].split(',')) imports.set(name.trim(), m[2]);
    const start = /export interface \w+(?: extends [^{]+)? \{/.exec(text);
    let result: { fields: Map<string, string>; imports: Map<string, string> } | null = null;
    if (start) {
      let depth = 1;
      let i = start.index + start[0].length;
      let piece = '';
      const pieces: string[] = [];
      for (; i < text.length && depth > 0; i++) {
        const c = text[i];
        if (c === '{' || c === '<') depth++;
        if (c === '}' || c === '>') depth--;
        if (depth === 0) break;
        if (c === ';' && depth === 1) {
          pieces.push(piece);
          piece = '';
        } else piece += c;
      }
      const fields = new Map<string, string>();
      for (const p of pieces) {
        const m = /^\s*"([^"]+)"\??:\s*([\s\S]+)$/.exec(p);
        if (m) fields.set(m[1], m[2].trim());
      }
      result = { fields, imports };
    }
    this.cache.set(file, result);
    return result;
  }
}

/** Kubernetes quantities: 6Gi, 512Mi, 1G, 500m, "2". */
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) throw new Error(`not a quantity: ${q}`);
  const unit: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1);
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Whether the service reads a variable: it has a default in EnvironmentVariables, or a bad value of it stops the start naming it. */
function serviceKnows(name: string): boolean {
  if (Object.keys(new EnvironmentVariables()).includes(name)) return true;
  for (const bad of ['', 'x', '-1', 'not a valid value %', '99999999999999']) {
    try {
      AppConfig.fromEnv({ [name]: bad });
    } catch (e) {
      if (e instanceof ConfigValidationError && e.problems.some((p) => p.variable === name)) return true;
    }
  }
  return false;
}

describe('Kubernetes manifests (deploy/k8s) and Dockerfile', () => {
  const { docs, kustomization } = loadDir();
  const all = docs.map((d) => d.obj);
  const byKind = (kind: string) => all.filter((o) => o.kind === kind);
  const one = (kind: string, name: string) => {
    const found = all.find((o) => o.kind === kind && o.metadata?.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
    return found;
  };
  const configMap = one('ConfigMap', 'mlwb-config');
  const secret = one('Secret', 'mlwb-secrets');
  const pvc = one('PersistentVolumeClaim', 'mlwb-registry');
  const api = one('Deployment', 'mlwb-api');
  const worker = one('Deployment', 'mlwb-worker');
  const service = one('Service', 'mlwb-api');
  const deployments = [api, worker];
  const containerOf = (d: Obj) => d.spec.template.spec.containers[0];

  /** What the container's process sees: envFrom sources in order (later wins), then env (wins over envFrom). */
  function environmentOf(d: Obj): Record<string, string> {
    const c = containerOf(d);
    const env: Record<string, string> = {};
    for (const src of c.envFrom ?? []) {
      if (src.configMapRef) Object.assign(env, one('ConfigMap', src.configMapRef.name).data);
      if (src.secretRef) {
        const s = one('Secret', src.secretRef.name);
        Object.assign(
          env,
          s.stringData,
          Object.fromEntries(
            Object.entries<string>(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
          ),
        );
      }
    }
    for (const e of c.env ?? []) {
      if (e.value === undefined) throw new Error(`${d.metadata.name}: env ${e.name} has no literal value`);
      env[e.name] = e.value;
    }
    return env;
  }
  const configOf = (d: Obj) => AppConfig.fromEnv(environmentOf(d));

  it('every document is valid against the Kubernetes schemas, with no unknown fields', () => {
    expect(all.length).toBeGreaterThanOrEqual(7);
    const results = validateWithKubernetesModels(all);
    expect(
      results.map((r, i) => ({ file: docs[i].file, kind: all[i].kind, name: all[i].metadata?.name, error: r.error })),
    ).toEqual(docs.map((d) => ({ file: d.file, kind: d.obj.kind, name: d.obj.metadata?.name, error: undefined })));
    const strict = new StrictFields();
    expect(Object.fromEntries(all.map((o) => [`${o.kind}/${o.metadata.name}`, strict.unknownFields(o)]))).toEqual(
      Object.fromEntries(all.map((o) => [`${o.kind}/${o.metadata.name}`, []])),
    );
    for (const o of all) expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    // namespace-agnostic: `kubectl apply -n …` or an overlay picks it
    expect(all.filter((o) => o.metadata.namespace)).toEqual([]);
  });

  it('the schema validation reports a wrong type, a missing required field', () => {
    const bad = structuredClone(api);
    containerOf(bad).ports[0].containerPort = '8005';
    const noPort = structuredClone(service);
    delete noPort.spec.ports[0].port;
    const [r1, r2] = validateWithKubernetesModels([bad, noPort]);
    expect(r1.error).toMatch(/containerPort must be integer/);
    expect(r2.error).toMatch(/spec\/ports\/0 must have required property '?port'?/);
  });

  it('the strict field check catches a misspelt field', () => {
    const typo = structuredClone(api);
    containerOf(typo).readinesProbe = containerOf(typo).readinessProbe;
    typo.spec.template.spec.terminationGracePeriod = 30;
    expect(new StrictFields().unknownFields(typo).sort()).toEqual([
      '/spec/template/spec/containers/0/readinesProbe',
      '/spec/template/spec/terminationGracePeriod',
    ]);
  });

  it('kustomization.yaml lists every manifest but the example Secret, and names the image the Deployments use', () => {
    const files = fs.readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'secret.example.yaml').sort());
    // Placeholders never get applied over the real Secret.
    expect(Object.values<string>(secret.stringData).every((v) => v.includes('REPLACE_ME'))).toBe(true);
    expect(Object.keys(secret.stringData).sort()).toEqual(['API_KEY', 'DATABASE_URL']);
    for (const d of deployments)
      expect(kustomization.images.map((i: Obj) => i.name)).toContain(containerOf(d).image.split(':')[0]);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  (kubectl ? it : it.skip)(
    'kubectl kustomize builds the directory into the same objects, with the image tag applied (when kubectl is installed)',
    () => {
      const r = spawnSync('kubectl', ['kustomize', k8sDir], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      const built = (loadAll(r.stdout) as Obj[]).filter(Boolean);
      const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;
      expect(built.map(key).sort()).toEqual(
        all
          .filter((o) => o.kind !== 'Secret')
          .map(key)
          .sort(),
      );
      for (const d of built.filter((o) => o.kind === 'Deployment'))
        expect(d.spec.template.spec.containers[0].image).toBe(
          `${kustomization.images[0].name}:${kustomization.images[0].newTag}`,
        );
    },
  );

  it("each Deployment's environment is valid for the service, with the right role and only variables it knows", () => {
    const cfgApi = configOf(api);
    const cfgWorker = configOf(worker);
    expect(cfgApi.serviceRole).toBe('api');
    expect(cfgWorker.serviceRole).toBe('worker');
    for (const cfg of [cfgApi, cfgWorker]) {
      expect(cfg.databaseUrl).toMatch(/^postgres(ql)?:\/\//); // roles other than `all` need PostgreSQL
      expect(cfg.apiKey).toBeDefined();
      expect(cfg.demoData).toBe(false);
      expect(path.isAbsolute(environmentOf(api).MODEL_REGISTRY_PATH)).toBe(true);
    }
    const names = new Set([
      ...Object.keys(configMap.data),
      ...Object.keys(secret.stringData),
      ...deployments.flatMap((d) => (containerOf(d).env ?? []).map((e: Obj) => e.name)),
    ]);
    expect([...names].filter((n) => !serviceKnows(n))).toEqual([]);
    // ConfigMap values are strings (an unquoted 8005 or false would be rejected by the API server).
    expect(Object.entries(configMap.data).filter(([, v]) => typeof v !== 'string')).toEqual([]);
  });

  it('serves on the port the containers, probes and Service use', () => {
    for (const d of deployments) {
      const c = containerOf(d);
      const port = configOf(d).port;
      const named = (p: string | number) =>
        typeof p === 'number' ? p : c.ports.find((x: Obj) => x.name === p)?.containerPort;
      expect(c.ports.map((p: Obj) => p.containerPort)).toEqual([port]);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect({ probe, port: named(c[probe].httpGet.port) }).toEqual({ probe, port });
      expect(Number(d.spec.template.metadata.annotations['prometheus.io/port'])).toBe(port);
    }
    const target = service.spec.ports[0].targetPort;
    expect(
      containerOf(api).ports.find((p: Obj) => p.name === target || p.containerPort === target)?.containerPort,
    ).toBe(configOf(api).port);
  });

  it('probes: startup and liveness on /health/live, readiness on /health/ready, all routes a worker answers too', () => {
    for (const d of deployments) {
      const c = containerOf(d);
      expect([c.startupProbe.httpGet.path, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual([
        '/health/live',
        '/health/live',
        '/health/ready',
      ]);
      // startup gets time for migrations and the ML backend; liveness is not stricter than readiness
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
      expect(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(
        c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold,
      );
    }
    for (const p of ['/health/live', '/health/ready', worker.spec.template.metadata.annotations['prometheus.io/path']])
      expect({ p, worker: isWorkerRoute(p) }).toEqual({ p, worker: true });
  });

  describe('the probe and metrics routes answer on the app booted with the api ConfigMap', () => {
    let t: TestApp;
    beforeAll(async () => {
      const { MODEL_REGISTRY_PATH: _r, PORT: _p, DATABASE_URL: _d, SERVICE_ROLE: _s, ...env } = environmentOf(api);
      t = await startTestApp(env);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('GET /health/live, /health/ready and /metrics are 200 without the API key', async () => {
      const c = containerOf(api);
      for (const p of [
        c.startupProbe.httpGet.path,
        c.livenessProbe.httpGet.path,
        c.readinessProbe.httpGet.path,
        api.spec.template.metadata.annotations['prometheus.io/path'],
      ]) {
        expect({ p, status: (await t.fetch(p)).status }).toEqual({ p, status: 200 });
      }
      expect(t.config.apiKey).toBeDefined();
      expect((await t.fetch('/api/v1/models')).status).toBe(401);
    });
  });

  (testDatabaseUrl() ? describe : describe.skip)('a worker booted with the worker environment (PostgreSQL)', () => {
    let t: TestApp;
    beforeAll(async () => {
      const { MODEL_REGISTRY_PATH: _r, PORT: _p, DATABASE_URL: _d, ...env } = environmentOf(worker);
      t = await startTestApp(env);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers its probes with 200', async () => {
      expect(t.config.serviceRole).toBe('worker');
      const c = containerOf(worker);
      for (const p of [c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path])
        expect({ p, status: (await t.fetch(p)).status }).toEqual({ p, status: 200 });
    });
  });

  it('resources: worker memory fits TRAINING_CONCURRENCY x MAX_TRAINING_MEMORY plus the process, api fits its model cache', () => {
    for (const d of deployments) {
      const r = containerOf(d).resources;
      for (const k of ['cpu', 'memory']) {
        expect({
          d: d.metadata.name,
          k,
          request: r.requests[k] !== undefined,
          limit: r.limits[k] !== undefined,
        }).toEqual({ d: d.metadata.name, k, request: true, limit: true });
        expect(quantity(r.requests[k])).toBeLessThanOrEqual(quantity(r.limits[k]));
      }
    }
    const w = configOf(worker);
    const training = w.trainingConcurrency * w.maxTrainingMemoryGb * GiB;
    const wr = containerOf(worker).resources;
    expect(quantity(wr.limits.memory)).toBeGreaterThanOrEqual(training + PROCESS_BASELINE_BYTES);
    expect(quantity(wr.requests.memory)).toBeGreaterThanOrEqual(training);
    // The api replicas check requests against the same MAX_TRAINING_MEMORY the workers enforce.
    expect(configOf(api).maxTrainingMemoryGb).toBe(w.maxTrainingMemoryGb);
    const a = configOf(api);
    expect(quantity(containerOf(api).resources.limits.memory)).toBeGreaterThanOrEqual(
      a.predictionCacheMaxBytes + PROCESS_BASELINE_BYTES,
    );
  });

  it('graceful termination: SIGKILL comes after the preStop sleep, the HTTP drain and (worker) the job drain and hand-back', () => {
    const preStop = (d: Obj) => {
      const cmd: string[] | undefined = containerOf(d).lifecycle?.preStop?.exec?.command;
      const sleep = containerOf(d).lifecycle?.preStop?.sleep?.seconds;
      return sleep ?? (cmd && cmd[0] === 'sleep' ? Number(cmd[1]) : 0);
    };
    const a = configOf(api);
    expect(preStop(api)).toBeGreaterThan(0); // endpoints are removed before the server stops accepting
    expect(api.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      preStop(api) + a.shutdownGraceMs / 1000,
    );
    const w = configOf(worker);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      preStop(worker) + w.shutdownGraceMs / 1000 + w.workerDrainSeconds + WORKER_HANDBACK_BOUND_S,
    );
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(w.workerDrainSeconds);
  });

  it('the registry: one ReadWriteMany claim mounted at MODEL_REGISTRY_PATH in every pod', () => {
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    for (const d of deployments) {
      const spec = d.spec.template.spec;
      const volume = spec.volumes.find((v: Obj) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
      expect(volume).toBeDefined();
      const mount = containerOf(d).volumeMounts.find((m: Obj) => m.name === volume.name);
      expect({ d: d.metadata.name, mountPath: mount?.mountPath, readOnly: mount?.readOnly ?? false }).toEqual({
        d: d.metadata.name,
        mountPath: environmentOf(d).MODEL_REGISTRY_PATH,
        readOnly: false,
      });
    }
  });

  it('pods run as non-root with a read-only root filesystem, /tmp on an emptyDir, no privileges', () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = containerOf(d);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(c.securityContext).toEqual(
        expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }),
      );
      expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
      expect(pod.automountServiceAccountToken).toBe(false);
      const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v: Obj) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    }
  });

  it('selectors: each Deployment, the Service and the PodDisruptionBudgets pick exactly their own pods', () => {
    const labels = (d: Obj) => d.spec.template.metadata.labels;
    for (const d of deployments) expect(matches(d.spec.selector.matchLabels, labels(d))).toBe(true);
    expect(matches(api.spec.selector.matchLabels, labels(worker))).toBe(false);
    expect(matches(worker.spec.selector.matchLabels, labels(api))).toBe(false);
    expect(matches(service.spec.selector, labels(api))).toBe(true);
    expect(matches(service.spec.selector, labels(worker))).toBe(false);
    const pdbs = byKind('PodDisruptionBudget');
    for (const d of deployments) {
      const mine = pdbs.filter((p) => matches(p.spec.selector.matchLabels, labels(d)));
      expect(mine).toHaveLength(1);
      // A budget that can never be met blocks node drains.
      if (mine[0].spec.minAvailable !== undefined) expect(mine[0].spec.minAvailable).toBeLessThan(d.spec.replicas);
    }
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(worker.spec.replicas).toBeGreaterThanOrEqual(1);
  });

  describe('Dockerfile', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    /** Instructions with continuation lines joined, comments dropped, grouped by stage. */
    const instructions = dockerfile
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const [, op, args] = /^(\w+)\s+(.*)$/.exec(l)!;
        return { op: op.toUpperCase(), args };
      });
    const stages: Array<{ name: string; from: string; lines: Array<{ op: string; args: string }> }> = [];
    for (const i of instructions) {
      if (i.op === 'FROM') {
        const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(i.args)!;
        stages.push({ name: name ?? String(stages.length), from, lines: [] });
      } else stages.at(-1)?.lines.push(i);
    }
    const final = stages.at(-1)!;
    const ops = (s: (typeof stages)[number], op: string) => s.lines.filter((l) => l.op === op).map((l) => l.args);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

    it('is multi-stage: the build stage runs npm run build, the dependencies stage npm ci --omit=dev, the runtime copies both', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      const copiesFrom = (what: string) =>
        ops(final, 'COPY')
          .find((a) => a.includes(what) && a.includes('--from='))
          ?.match(/--from=(\S+)/)?.[1];
      const distFrom = stages.find((s) => s.name === copiesFrom('/app/dist'));
      const modulesFrom = stages.find((s) => s.name === copiesFrom('/app/node_modules'));
      expect(distFrom && ops(distFrom, 'RUN').some((r) => r.includes('npm run build'))).toBe(true);
      expect(modulesFrom && ops(modulesFrom, 'RUN').some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
      // the runtime stage installs nothing itself, so no dev dependency reaches it
      expect(ops(final, 'RUN').filter((r) => /npm (ci|install)/.test(r))).toEqual([]);
      expect(ops(final, 'COPY').some((a) => /^package\.json\s/.test(a))).toBe(true); // version.ts reads it
    });

    it('the build stage gets every file the build reads, and .dockerignore does not hide them', () => {
      const build = stages.find((s) => ops(s, 'RUN').some((r) => r.includes('npm run build')))!;
      const copied = ops(build, 'COPY').flatMap((a) =>
        a
          .split(/\s+/)
          .filter((w) => !w.startsWith('--'))
          .slice(0, -1),
      );
      const nest = JSON.parse(fs.readFileSync(path.join(root, 'nest-cli.json'), 'utf8'));
      const tsBuild = JSON.parse(fs.readFileSync(path.join(root, nest.compilerOptions.tsConfigPath), 'utf8'));
      const needed = [
        'package.json',
        'package-lock.json',
        'nest-cli.json',
        nest.compilerOptions.tsConfigPath,
        tsBuild.extends.replace(/^\.\//, ''),
        ...tsBuild.include.map((g: string) => g.split('/')[0]),
      ];
      expect(needed.filter((f) => !copied.includes(f))).toEqual([]);
      const ignore = fs
        .readFileSync(path.join(root, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      const toRegex = (p: string) =>
        new RegExp(
          `^${p
            .replace(/[.+^${}()|[\]]/g, '\\$&')
            .replace(/\*\*\//g, '(.*/)?')
            .replace(/\*/g, '[^/]*')}(/.*)?$`,
        );
      const ignored = (f: string) => ignore.some((p) => toRegex(p).test(f));
      expect(needed.filter(ignored)).toEqual([]);
      expect(
        [
          'src/main.ts',
          'src/training/thread/training-thread.ts',
          'src/dashboard/public/index.html',
          'migrations/index.ts',
        ].filter((f) => fs.existsSync(path.join(root, f)) && ignored(f)),
      ).toEqual([]);
      for (const f of ['node_modules', 'dist', 'model_registry', '.git', '.env'])
        expect({ f, ignored: ignored(f) }).toEqual({ f, ignored: true });
      // tsconfig.build includes src/ and migrations/, so nest build writes dist/src/main.js
      expect(nest.entryFile).toBe('src/main');
      expect(tsBuild.include).toEqual(expect.arrayContaining(['src/**/*', 'migrations/**/*']));
    });

    it('runs node dist/src/main.js (exec form) as a numeric non-root user matching the pods, on PORT, with the registry path of the ConfigMap', () => {
      expect(JSON.parse(ops(final, 'CMD').at(-1)!)).toEqual(['node', 'dist/src/main.js']);
      expect(pkg.scripts['start:prod']).toBe('node dist/src/main.js');
      const user = ops(final, 'USER').at(-1)!;
      const [uid] = user.split(':').map(Number);
      expect(uid).toBeGreaterThan(0);
      for (const d of deployments) expect(d.spec.template.spec.securityContext.runAsUser).toBe(uid);
      expect(ops(final, 'EXPOSE').join(' ').split(/\s+/).map(Number)).toContain(configOf(api).port);
      const env = ops(final, 'ENV').join(' ');
      expect(env).toContain(`MODEL_REGISTRY_PATH=${configMap.data.MODEL_REGISTRY_PATH}`);
      expect(env).toContain('NODE_ENV=production');
    });

    it("the base image's Node.js satisfies package.json engines and those of every production dependency", () => {
      const major = Number(/ARG NODE_VERSION=(\d+)/.exec(dockerfile)?.[1]);
      for (const s of stages) expect(s.from).toMatch(/^node:\$\{NODE_VERSION\}-/);
      // A floating node:<major> tag is the latest release of that line.
      const version = [major, 99, 0];
      expect(satisfiesNode(version, pkg.engines.node)).toBe(true);
      const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages as Record<
        string,
        { dev?: boolean; engines?: { node?: string } }
      >;
      const production = Object.entries(lock).filter(([k, v]) => k && !v.dev && typeof v.engines?.node === 'string');
      expect(production.length).toBeGreaterThan(20);
      expect(
        production
          .filter(([, v]) => !satisfiesNode(version, v.engines!.node!))
          .map(([k, v]) => `${k}: ${v.engines!.node}`),
      ).toEqual([]);
      // the range check itself
      const cases: Array<[number[], string, boolean]> = [
        [[20, 99, 0], '>=22.12.0', false],
        [[22, 99, 0], '>=22.12.0', true],
        [[22, 99, 0], '>=20.19 <23', true],
        [[23, 0, 0], '>=20.19 <23', false],
        [[22, 99, 0], '^18 || ^20 || >=22', true],
        [[21, 0, 0], '18 || 20 || >=22', false],
        [[22, 99, 0], '>= 0.4', true],
        [[22, 1, 0], '^14.17.0 || ^16.10.0 || >=17.0.0', true],
        [[22, 99, 0], '~22.1', false],
        [[22, 99, 0], '12 - 22', true],
        [[22, 99, 0], '*', true],
        [[22, 99, 0], '>21', true],
        [[21, 5, 0], '>21', false],
      ];
      expect(cases.map(([v, r]) => [v, r, satisfiesNode(v, r)])).toEqual(cases);
    });

    it('the runtime image has what the code imports: no production file imports a devDependency (npm ci --omit=dev drops those)', () => {
      const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages as Record<
        string,
        { dev?: boolean }
      >;
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) {
            if (e.name !== '__fixtures__') walk(p);
          } else if (/\.ts$/.test(e.name) && !/\.(spec|e2e-spec)\.ts$/.test(e.name) && !e.name.endsWith('.d.ts'))
            files.push(p);
        }
      };
      walk(path.join(root, 'src'));
      walk(path.join(root, 'migrations'));
      const builtins = new Set(builtinModules);
      // Imports that only run from the TypeScript sources (tests, start:dev), never from dist/.
      const sourceOnly: Record<string, string[]> = Object.fromEntries(
        [
          'src/training/thread/training-thread.runner.ts',
          'src/ml/onnx/runtime/ort-pool.ts',
          'src/features/compute/compute-worker.ts',
          'src/training/queue/job-heartbeat.ts',
        ].map((f) => [f, ['@swc-node/register']]),
      );
      const problems: string[] = [];
      for (const file of files) {
        const code = fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => !/^\s*(import|export) type\b/.test(l) && !/^\s*(\/\/|\*)/.test(l))
          .join('\n');
        for (const m of code.matchAll(/(?:\bfrom\s+|\brequire(?:\.resolve)?\(\s*|\bimport\(\s*)['"]([^'"]+)['"]/g)) {
          const spec = m[1];
          if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec.split('/')[0])) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
          if (sourceOnly[path.relative(root, file)]?.includes(name)) continue;
          const entry = lock[`node_modules/${name}`];
          if (!entry || entry.dev)
            problems.push(
              `${path.relative(root, file)}: ${name}${entry ? ' (devDependency)' : ' (not in package-lock.json)'}`,
            );
        }
      }
      expect(files.length).toBeGreaterThan(50);
      expect([...new Set(problems)]).toEqual([]);
    });
  });
});
