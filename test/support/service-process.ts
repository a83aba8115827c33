import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** stdout and stderr interleaved, as a terminal shows them. */
  output: () => string;
  /** stdout alone: the JSON log stream. */
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** `npm start`'s command line (package.json: `node <args>`), without npm itself. */
export function npmStartArgs(): string[] {
  const script: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  if (!/^node\s/.test(script)) throw new Error(`npm start is not a plain node command: ${script}`);
  return script.trim().split(/\s+/).slice(1);
}

/**
 * Starts the service as its own OS process from the TypeScript sources through swc-node (src/main.ts,
 * what `npm start` runs once compiled), with only the given environment. `npmStart: true` runs
 * `npm start`'s own command line instead (scripts/start.js: the compiled copy of the sources).
 */
export async function spawnService(
  env: Record<string, string>,
  options: { npmStart?: boolean } = {},
): Promise<ServiceProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  let out = '';
  let stdout = '';
  const args = options.npmStart ? npmStartArgs() : ['-r', '@swc-node/register', path.join(ROOT, 'src/main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      LOG_LEVEL: 'INFO',
      DEMO_DATA: 'false',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => {
    out += d;
    stdout += d;
  });
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, stdout: () => stdout, exited };
}

/** Polls /health until it answers 200, the process exits, or the deadline passes. */
export async function waitHealthy(svc: ServiceProcess, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  let exited = false;
  void svc.exited.then(() => (exited = true));
  while (Date.now() - started < timeoutMs) {
    if (exited) throw new Error(`service exited before becoming healthy:\n${svc.output()}`);
    try {
      const res = await fetch(`${svc.url}/health`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service not healthy within ${timeoutMs} ms:\n${svc.output()}`);
}
