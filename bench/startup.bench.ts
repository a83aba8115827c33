/**
 * Start-up: the time from spawning the service to its first 200 on GET /health, on a fresh and
 * on a reopened data directory / database, embedded (PGlite) and PostgreSQL.
 *
 *   npm run bench:startup -- [--runs 3] [--only embedded,postgres | --only embedded-fresh,embedded-reopened,…] [--via-npm] [--parts]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   (default; a scratch database is created there and dropped)
 *
 * Each start is its own OS process, run as `npm start` runs it (`node scripts/start.js`: the
 * compiled copy of the sources, scripts/compiled-sources.js; `--via-npm` spawns `npm start`
 * itself, which adds npm's own start-up), with the
 * defaults a new user gets (demo data on, INFO logs) on a new MODEL_REGISTRY_PATH. /health is
 * polled every 20 ms. Scenarios:
 *
 *   embedded, fresh directory          a new directory, copied from the cached migrated template (the normal case after `npm ci`)
 *   embedded, fresh, template built    the template cache is empty (EMBEDDED_DB_TEMPLATE_DIR=<empty dir>): built, then copied (the first start after a new migration)
 *   embedded, fresh, no template       EMBEDDED_DB_TEMPLATE_DIR=off: initdb + migrations in the directory (how every fresh start went before the template)
 *   embedded, reopened                 the directory a fresh run left (demo data inside)
 *   postgres, fresh database           an empty database: every migration, the queue's schema
 *   postgres, reopened                 the same database again
 *
 * Phases come from the service's own log lines (their timestamps, ms resolution): boot = spawn →
 * Nest's first line (Node, loading every module; the database and the TensorFlow.js backend
 * begin opening before that, early-start.ts); database = →
 * the Database line (prepare the directory + open + migrations); modules = → "Nest application
 * successfully started" less the demo data (tfjs backend, job queue, routes); demo = the demo
 * data load; listen = → first 200. One untimed warm-up start first (it also builds the template
 * when the cache has none). Scenarios are interleaved round by round so machine load spreads
 * over all of them; the load average is printed. The last line is JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../test/support/service-process';
import { machineLine } from './machine';
import { PARTS, type Part } from './startup-parts';

const ROOT = path.resolve(__dirname, '..');
const TARGETS = { embedded_fresh_ms: 5000, embedded_reopened_ms: 2000 };

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const RUNS = Number(argValue('runs') ?? 3);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a positive integer');
const ONLY = (argValue('only') ?? 'embedded,postgres').split(',');
const VIA_NPM = process.argv.includes('--via-npm');
/** --parts: also time each part of an embedded start in a process of its own (startup-parts.ts). */
const WITH_PARTS = process.argv.includes('--parts');
/** What `npm start` runs, read from package.json (`node <args>`), so the bench times exactly that. */
const START_SCRIPT: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
if (!/^node\s/.test(START_SCRIPT)) throw new Error(`npm start is not a plain node command: ${START_SCRIPT}`);
const START_ARGS = START_SCRIPT.trim().split(/\s+/).slice(1);
const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

interface Phases {
  boot: number;
  database: number;
  prepare: number | null;
  modules: number;
  demo: number;
  listen: number;
}
interface Start {
  ms: number;
  /** CPU time (user + system, all threads) the service had used when /health first answered 200. */
  cpu_ms: number | null;
  phases: Phases;
  prepared: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawn the service, time the first 200 on /health, stop it with SIGTERM and read its log. */
async function timeStart(env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const [cmd, args] = VIA_NPM ? ['npm', ['start', '--silent']] : [process.execPath, START_ARGS];
  const spawnedAt = Date.now();
  const started = performance.now();
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'INFO',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: VIA_NPM, // npm's child is the service: signal the group
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  let ms = NaN;
  let cpuMs: number | null = null;
  while (performance.now() - started < 120_000 && !exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) {
        ms = performance.now() - started;
        cpuMs = VIA_NPM ? null : cpuTimeMs(child.pid!);
        break;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(20);
  }
  if (VIA_NPM) process.kill(-child.pid!, 'SIGTERM');
  else child.kill('SIGTERM');
  await exit;
  if (!Number.isFinite(ms)) throw new Error(`the service did not become healthy:\n${out.slice(-3000)}`);
  return { ms, cpu_ms: cpuMs, ...phasesFrom(out, spawnedAt, ms) };
}

/** utime + stime of a process from /proc (Linux; null elsewhere), in ms. */
function cpuTimeMs(pid: number): number | null {
  try {
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // After the command name: field 14 (utime) and 15 (stime) of proc(5) are indexes 11 and 12; clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function phasesFrom(out: string, spawnedAt: number, healthyMs: number): { phases: Phases; prepared: string | null } {
  const lines = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { time: string; context?: string; msg: string });
  const at = (pred: (l: { context?: string; msg: string }) => boolean) => {
    const l = lines.find(pred);
    return l ? Date.parse(l.time) - spawnedAt : NaN;
  };
  const first = lines.length ? Date.parse(lines[0].time) - spawnedAt : NaN;
  const db = at((l) => l.context === 'Database');
  const nestStarted = at((l) => /successfully started/.test(l.msg));
  const dbLine = lines.find((l) => l.context === 'Database')?.msg ?? '';
  const prepare = /in (\d+) ms\)/.exec(dbLine);
  const demoLine = lines.find((l) => l.context === 'DemoData' && /loaded in/.test(l.msg))?.msg;
  const demo = demoLine ? Number(/loaded in (\d+) ms/.exec(demoLine)![1]) : 0;
  const prepared = / at \S+ \(([^)]*?)(?:, in \d+ ms)?\)/.exec(dbLine)?.[1] ?? null;
  return {
    prepared,
    phases: {
      boot: first,
      database: db - first,
      prepare: prepare ? Number(prepare[1]) : null,
      modules: nestStarted - db - demo,
      demo,
      listen: Math.round(healthyMs - nestStarted),
    },
  };
}

interface Scenario {
  id: string;
  name: string;
  database: 'embedded' | 'postgres';
  directory: 'fresh' | 'reopened';
  env: () => Promise<Record<string, string>> | Record<string, string>;
}

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(d);
  return d;
}

async function pgAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
const pgDatabases: string[] = [];
function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The directory the reopened scenario starts on: the warm-up's, then the last fresh run's. */
let reopenDir: string | undefined;

function scenarios(pgAvailable: boolean): Scenario[] {
  const list: Scenario[] = [];
  {
    list.push(
      {
        id: 'embedded-fresh',
        name: 'embedded, fresh directory (template cached)',
        database: 'embedded',
        directory: 'fresh',
        env: () => {
          reopenDir = tempDir('mlwb-startup-');
          return { MODEL_REGISTRY_PATH: reopenDir };
        },
      },
      {
        id: 'embedded-reopened',
        name: 'embedded, reopened directory',
        database: 'embedded',
        directory: 'reopened',
        env: () => ({ MODEL_REGISTRY_PATH: reopenDir! }),
      },
      {
        id: 'embedded-new-template',
        name: 'embedded, fresh directory, template built on this start',
        database: 'embedded',
        directory: 'fresh',
        env: () => ({
          MODEL_REGISTRY_PATH: tempDir('mlwb-startup-'),
          EMBEDDED_DB_TEMPLATE_DIR: tempDir('mlwb-template-'),
        }),
      },
      {
        id: 'embedded-initdb',
        name: 'embedded, fresh directory, no template (initdb)',
        database: 'embedded',
        directory: 'fresh',
        env: () => ({ MODEL_REGISTRY_PATH: tempDir('mlwb-startup-'), EMBEDDED_DB_TEMPLATE_DIR: 'off' }),
      },
    );
  }
  if (pgAvailable) {
    let url: string | undefined;
    const newDatabase = async () => {
      const name = `mlwb_bench_startup_${randomBytes(4).toString('hex')}`;
      await pgAdmin((c) => c.query(`CREATE DATABASE ${name}`));
      pgDatabases.push(name);
      return (url = withDatabase(PG_ADMIN_URL, name));
    };
    list.push(
      {
        id: 'postgres-fresh',
        name: 'postgres, fresh database',
        database: 'postgres',
        directory: 'fresh',
        env: async () => ({ MODEL_REGISTRY_PATH: tempDir('mlwb-startup-'), DATABASE_URL: await newDatabase() }),
      },
      // Alone (--only postgres-reopened) it reopens the database its first round created.
      {
        id: 'postgres-reopened',
        name: 'postgres, reopened database',
        database: 'postgres',
        directory: 'reopened',
        env: async () => ({
          MODEL_REGISTRY_PATH: tempDir('mlwb-startup-'),
          DATABASE_URL: url ?? (await newDatabase()),
        }),
      },
    );
  }
  return list.filter((sc) => selected(sc.id));
}

/** `--only embedded` takes every embedded scenario, `--only embedded-fresh,postgres-fresh` those two. */
function selected(id: string): boolean {
  return ONLY.some((o) => id === o || id.startsWith(`${o}-`));
}

async function timeParts(): Promise<Array<{ part: Part; wall_ms: number; cpu_ms: number }>> {
  const out: Array<{ part: Part; wall_ms: number; cpu_ms: number }> = [];
  for (const part of Object.keys(PARTS) as Part[]) {
    const runs: Array<{ wall_ms: number; cpu_ms: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const dir = tempDir('mlwb-part-');
      const { status, stdout, stderr } = spawnSync(
        process.execPath,
        ['-r', '@swc-node/register', 'bench/startup-parts.ts', part, dir],
        { cwd: ROOT, encoding: 'utf8' },
      );
      if (status !== 0) throw new Error(`part ${part} failed:\n${stderr}`);
      runs.push(
        JSON.parse(
          stdout
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('{"part"'))
            .pop()!,
        ),
      );
      fs.rmSync(dir, { recursive: true, force: true });
    }
    out.push({
      part,
      wall_ms: Math.round(median(runs.map((r) => r.wall_ms))),
      cpu_ms: Math.round(median(runs.map((r) => r.cpu_ms))),
    });
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  console.log(machineLine());
  const loadBefore = os.loadavg()[0];
  const pgAvailable = ONLY.some((o) => o.startsWith('postgres'))
    ? await pgAdmin((c) => c.query('SELECT 1')).then(
        () => true,
        (e: Error) => (console.log(`PostgreSQL rows skipped: ${PG_ADMIN_URL} not reachable (${e.message})`), false),
      )
    : false;
  const list = scenarios(pgAvailable);
  const results = new Map<Scenario, Start[]>(list.map((s) => [s, []]));
  try {
    if (list.some((sc) => sc.database === 'embedded')) {
      reopenDir = tempDir('mlwb-startup-');
      const warm = await timeStart({ MODEL_REGISTRY_PATH: reopenDir });
      console.log(`warm-up start (untimed): ${(warm.ms / 1000).toFixed(2)} s, ${warm.prepared}`);
    }
    for (let round = 0; round < RUNS; round++) {
      for (const s of list) {
        const r = await timeStart(await s.env());
        results.get(s)!.push(r);
        console.log(
          `  round ${round + 1}: ${s.name}: ${(r.ms / 1000).toFixed(2)} s, cpu ${r.cpu_ms ?? '–'} ms (${Object.entries(
            r.phases,
          )
            .map(([k, v]) => `${k} ${v ?? '–'}`)
            .join(', ')} ms)`,
        );
      }
    }
  } finally {
    for (const name of pgDatabases)
      await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
    for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg()[0];
  const rows = list.map((s) => {
    const rs = results.get(s)!;
    const phases = Object.fromEntries(
      (Object.keys(rs[0].phases) as Array<keyof Phases>).map((k) => {
        const vs = rs.map((r) => r.phases[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        return [k, vs.length ? Math.round(median(vs)) : null];
      }),
    );
    const ms = rs.map((r) => r.ms);
    const cpu = rs.map((r) => r.cpu_ms).filter((v): v is number => v !== null);
    return {
      scenario: s.name,
      database: s.database,
      directory: s.directory,
      runs: rs.length,
      median_ms: Math.round(median(ms)),
      min_ms: Math.round(Math.min(...ms)),
      max_ms: Math.round(Math.max(...ms)),
      cpu_median_ms: cpu.length ? Math.round(median(cpu)) : null,
      phases_median_ms: phases,
    };
  });
  console.log(
    `\nload average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${os.cpus().length} cores; ${RUNS} run(s) each${VIA_NPM ? ', via npm start' : ''}`,
  );
  console.log(`command: node ${START_ARGS.join(' ')}${VIA_NPM ? ' (through npm start)' : ''}`);
  console.log(
    '| scenario | median | min – max | CPU | boot | database (prepare) | modules | demo data | listen → 200 |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const s = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(2)} s`);
  for (const r of rows) {
    const p = r.phases_median_ms;
    console.log(
      `| ${r.scenario} | ${s(r.median_ms)} | ${s(r.min_ms)} – ${s(r.max_ms)} | ${s(r.cpu_median_ms)} | ${s(p.boot)} | ${s(p.database)} (${s(p.prepare)}) | ${s(p.modules)} | ${s(p.demo)} | ${s(p.listen)} |`,
    );
  }
  const parts = WITH_PARTS ? await timeParts() : [];
  if (parts.length) {
    console.log(`\nparts of an embedded start, each in its own process (median of ${RUNS}):`);
    console.log('| part | wall | CPU |');
    console.log('| --- | ---: | ---: |');
    for (const p of parts) console.log(`| ${PARTS[p.part]} | ${s(p.wall_ms)} | ${s(p.cpu_ms)} |`);
  }
  const fresh = rows.find((r) => r.scenario.startsWith('embedded, fresh directory (template cached)'));
  const reopened = rows.find((r) => r.scenario === 'embedded, reopened directory');
  const meets =
    fresh && reopened
      ? {
          embedded_fresh: fresh.median_ms <= TARGETS.embedded_fresh_ms,
          embedded_reopened: reopened.median_ms <= TARGETS.embedded_reopened_ms,
        }
      : null;
  if (meets)
    console.log(
      `targets: fresh embedded ≤ ${TARGETS.embedded_fresh_ms / 1000} s: ${meets.embedded_fresh ? 'met' : 'MISSED'}; reopened embedded ≤ ${TARGETS.embedded_reopened_ms / 1000} s: ${meets.embedded_reopened ? 'met' : 'MISSED'}`,
    );
  console.log(
    JSON.stringify({
      bench: 'startup',
      machine: machineLine(),
      node: process.version,
      cores: os.cpus().length,
      load_avg_before: loadBefore,
      load_avg_after: loadAfter,
      via_npm: VIA_NPM,
      command: `node ${START_ARGS.join(' ')}`,
      runs: RUNS,
      targets: TARGETS,
      meets_targets: meets,
      results: rows,
      parts,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
