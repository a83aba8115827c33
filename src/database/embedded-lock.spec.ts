import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { EmbeddedDatabaseLock, EmbeddedDatabaseLockedError } from './embedded-lock';

/**
 * The lock is taken by real, separate processes at the same instant: a pool of children
 * (each with the lock module loaded) is told a moment in the near future, spins until it, and
 * all try to acquire the same lock. Exactly one may win, every round — on a fresh directory,
 * over a stale lock of a dead process, over an empty (torn) lock file, and over a takeover
 * abandoned half-way.
 */
const CHILDREN = 6;
const LOCK_MODULE = path.join(__dirname, 'embedded-lock.ts');

const CHILD_SCRIPT = `
const { EmbeddedDatabaseLock } = require(${JSON.stringify(LOCK_MODULE)});
const readline = require('node:readline');
let held = null;
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.cmd === 'acquire') {
    while (Date.now() < msg.at) {} // everyone leaves the starting line together
    try {
      held = EmbeddedDatabaseLock.acquire(msg.dataDir);
      process.stdout.write(JSON.stringify({ won: true }) + '\\n');
    } catch (e) {
      process.stdout.write(JSON.stringify({ won: false, error: e.name, message: e.message }) + '\\n');
    }
  } else if (msg.cmd === 'release') {
    if (held) held.release();
    held = null;
    process.stdout.write(JSON.stringify({ released: true }) + '\\n');
  }
});
process.stdout.write(JSON.stringify({ ready: true }) + '\\n');
`;

interface Child {
  proc: ChildProcessWithoutNullStreams;
  next: () => Promise<Record<string, unknown>>;
}

function startChild(): Child {
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', '-e', CHILD_SCRIPT], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    const msg = JSON.parse(line);
    const w = waiting.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const m = queue.shift();
      if (m) return resolve(m);
      const timer = setTimeout(() => reject(new Error(`child ${proc.pid} did not answer; stderr: ${stderr}`)), 20_000);
      waiting.push((msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
  return { proc, next };
}

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('embedded database lock: concurrent processes', () => {
  let children: Child[];
  let root: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-lock-'));
    children = Array.from({ length: CHILDREN }, startChild);
    for (const c of children) expect(await c.next()).toEqual({ ready: true });
  }, 60_000);

  afterAll(() => {
    for (const c of children ?? []) c.proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** One race: every child acquires `dataDir` at the same instant; returns who won, then releases. */
  async function race(dataDir: string): Promise<{ winners: number; refused: string[] }> {
    const at = Date.now() + 40;
    for (const c of children) c.proc.stdin.write(`${JSON.stringify({ cmd: 'acquire', dataDir, at })}\n`);
    const answers = await Promise.all(children.map((c) => c.next()));
    const winners = answers.filter((a) => a.won).length;
    const refused = answers.filter((a) => !a.won).map((a) => String(a.error));
    const lock = JSON.parse(fs.readFileSync(`${dataDir}.lock`, 'utf8'));
    expect(children.map((c) => c.proc.pid)).toContain(lock.pid);
    for (const c of children) c.proc.stdin.write(`${JSON.stringify({ cmd: 'release' })}\n`);
    await Promise.all(children.map((c) => c.next()));
    // Released, and nothing left behind: no temporary files, no takeover claims.
    expect(fs.readdirSync(path.dirname(dataDir)).filter((f) => f.startsWith(path.basename(dataDir)))).toEqual([]);
    return { winners, refused };
  }

  const expectOneWinner = (r: { winners: number; refused: string[] }, round: string) => {
    expect({ round, winners: r.winners }).toEqual({ round, winners: 1 });
    expect(r.refused).toEqual(Array(CHILDREN - 1).fill('EmbeddedDatabaseLockedError'));
  };

  it('on a fresh directory exactly one of the processes wins, 30 times out of 30', async () => {
    for (let i = 0; i < 30; i++) {
      const dir = fs.mkdtempSync(path.join(root, 'fresh-'));
      expectOneWinner(await race(path.join(dir, '.pgdata')), `fresh ${i}`);
    }
  }, 120_000);

  it('over a stale lock (its process is dead), an empty lock file or an abandoned takeover, still exactly one wins', async () => {
    const dead = deadPid();
    const stale = (dataDir: string) =>
      fs.writeFileSync(
        `${dataDir}.lock`,
        JSON.stringify({ pid: dead, host: os.hostname(), since: new Date().toISOString(), token: 'old' }),
      );
    const setups: Array<[string, (dataDir: string) => void]> = [
      ['stale lock of a dead process', stale],
      [
        'stale lock in the old format (no token)',
        (d) =>
          fs.writeFileSync(
            `${d}.lock`,
            JSON.stringify({ pid: dead, host: os.hostname(), since: new Date().toISOString() }),
          ),
      ],
      // What the old code left when a process died between creating the file and writing it.
      ['empty lock file', (d) => fs.writeFileSync(`${d}.lock`, '')],
      [
        'stale lock with a takeover claim whose process died too',
        (d) => {
          stale(d);
          const hash = require('node:crypto')
            .createHash('sha256')
            .update(fs.readFileSync(`${d}.lock`))
            .digest('hex')
            .slice(0, 16);
          fs.writeFileSync(`${d}.lock.takeover-${hash}`, JSON.stringify({ pid: dead, token: 'claimer' }));
        },
      ],
    ];
    for (const [name, setup] of setups) {
      for (let i = 0; i < 5; i++) {
        const dir = fs.mkdtempSync(path.join(root, 'stale-'));
        const dataDir = path.join(dir, '.pgdata');
        setup(dataDir);
        expectOneWinner(await race(dataDir), `${name} ${i}`);
      }
    }
  }, 120_000);

  it('a lock held by a live process is refused with its pid; released, it can be taken again', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(root, 'live-')), '.pgdata');
    const mine = EmbeddedDatabaseLock.acquire(dataDir);
    // The same process twice is refused too (two PGlite instances on one directory lose rows).
    expect(() => EmbeddedDatabaseLock.acquire(dataDir)).toThrow(EmbeddedDatabaseLockedError);
    children[0].proc.stdin.write(`${JSON.stringify({ cmd: 'acquire', dataDir, at: 0 })}\n`);
    const answer = await children[0].next();
    expect(answer).toMatchObject({
      won: false,
      error: 'EmbeddedDatabaseLockedError',
      message: expect.stringContaining(`in use by process ${process.pid}`),
    });
    mine.release();
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
    // A lock naming this very pid but written by an earlier process (a container's PID 1 after a restart) is stale.
    fs.writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.pid, token: 'earlier-incarnation' }));
    const again = EmbeddedDatabaseLock.acquire(dataDir);
    expect(JSON.parse(fs.readFileSync(`${dataDir}.lock`, 'utf8')).token).not.toBe('earlier-incarnation');
    again.release();
  });
});
