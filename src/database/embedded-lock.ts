import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * PGlite has no lock on its data directory and two processes writing one directory lose
 * rows. This lock file makes a second process refuse to start instead. A lock left by a
 * process that no longer exists (crash, SIGKILL) is taken over.
 */
export class EmbeddedDatabaseLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holderPid: number,
  ) {
    super(
      `The embedded database at ${lockPath.replace(/\.lock$/, '')} is already in use by process ${holderPid} on this machine. ` +
        'Only one process may open it (it has no locking of its own and two writers lose rows). ' +
        'Stop the other process, point MODEL_REGISTRY_PATH elsewhere, or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'EmbeddedDatabaseLockedError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a lock (or takeover claim) file holds; `raw` is its exact bytes. */
interface Holder {
  raw: Buffer;
  /** null when the content is not a lock we can read (an empty or torn file from a crash). */
  pid: number | null;
  token: string | null;
}

/** How deep claims on claims may go (each level is a dead claimer); more means something is badly wrong. */
const MAX_CLAIM_DEPTH = 4;

/** Tokens of the locks this process holds: a lock naming our pid but another token is a previous process's (a container's PID 1 restarted). */
const HELD_HERE = new Set<string>();

/** Whether the process that wrote `holder` may still be using it. */
function holderAlive(holder: Holder): boolean {
  if (holder.pid === null) return false;
  if (holder.pid === process.pid) return holder.token !== null && HELD_HERE.has(holder.token);
  return processAlive(holder.pid);
}

/** Block for `ms` (acquire runs once, synchronously, at start). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The lock is `${dataDir}.lock`, holding `{pid, host, since, token}`. Every file this class
 * publishes appears with its content already in it: the content is written (and fsynced) to
 * a private temporary file first, and link(2) gives it the public name — link fails with
 * EEXIST when the name is taken, so of two processes starting at the same instant exactly
 * one wins, and nobody can ever read an empty lock and mistake it for a stale one.
 *
 * A stale lock (its process is gone, or its content unreadable) is replaced only by whoever
 * first creates the claim file `${lock}.takeover-<hash of the stale content>` (again by link),
 * after checking that the lock still holds exactly that content; the winner renames its own
 * lock over the stale one. A claim whose process died is itself taken over the same way, one
 * level deeper. So two processes finding the same stale lock can never both take it.
 */
export class EmbeddedDatabaseLock {
  private held = false;
  private readonly token = randomUUID();
  private readonly onExit = () => this.release();

  private constructor(readonly lockPath: string) {}

  /** Take the lock for `dataDir` or throw EmbeddedDatabaseLockedError. */
  static acquire(dataDir: string): EmbeddedDatabaseLock {
    const lock = new EmbeddedDatabaseLock(`${dataDir}.lock`);
    lock.take();
    return lock;
  }

  private take(): void {
    // Rounds, with short pauses: the holder may release, or another process may be half-way
    // through taking over a stale lock, between our steps (about 2.5 s in all).
    for (let round = 0; round < 60; round++) {
      if (round > 0) pause(Math.min(50, round * 2));
      if (this.publish(this.lockPath)) return this.taken();
      const holder = readHolder(this.lockPath);
      if (!holder) continue; // released meanwhile: try again
      if (holderAlive(holder)) throw new EmbeddedDatabaseLockedError(this.lockPath, holder.pid!);
      if (this.replaceStale(this.lockPath, holder, 0)) return this.taken();
    }
    throw new Error(`Could not take the embedded database lock ${this.lockPath}: it kept changing hands`);
  }

  private taken(): void {
    this.held = true;
    HELD_HERE.add(this.token);
    process.once('exit', this.onExit);
  }

  private content(): string {
    return JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      token: this.token,
    });
  }

  /** A temporary file with our content, written and fsynced, in the lock's directory (link and rename need the same filesystem). */
  private writeTemp(): string {
    const temp = `${this.lockPath}.tmp-${process.pid}-${randomUUID()}`;
    const fd = fs.openSync(temp, 'wx', 0o644);
    try {
      fs.writeFileSync(fd, this.content());
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return temp;
  }

  /** Create `target` holding our content, atomically; false when the name is taken. */
  private publish(target: string): boolean {
    const temp = this.writeTemp();
    try {
      fs.linkSync(temp, target);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  /**
   * Replace `target`, which holds the stale `holder`, with our content. True when we did;
   * false when someone else is taking it over (or already did), so the caller looks again.
   */
  private replaceStale(target: string, holder: Holder, depth: number): boolean {
    if (depth >= MAX_CLAIM_DEPTH)
      throw new Error(
        `Could not take the embedded database lock ${this.lockPath}: too many abandoned takeover files beside it (${target}); remove ${this.lockPath}.takeover-* and retry`,
      );
    const claim = `${target}.takeover-${createHash('sha256').update(holder.raw).digest('hex').slice(0, 16)}`;
    if (!this.publish(claim)) {
      const claimer = readHolder(claim);
      if (!claimer) return false; // finished by its claimer: look at the lock again
      if (claimer.token === this.token || holderAlive(claimer)) return false; // someone else is on it
      if (!this.replaceStale(claim, claimer, depth + 1)) return false; // its claimer died: take the claim over first
    }
    // The claim is ours. The lock may have changed before we got it (a takeover that finished,
    // whose claim was then removed): replace it only if it is still the stale content we saw.
    try {
      const now = readHolder(target);
      if (!now || !now.raw.equals(holder.raw)) return false;
      const temp = this.writeTemp();
      try {
        fs.renameSync(temp, target);
      } catch (e) {
        fs.rmSync(temp, { force: true });
        throw e;
      }
      return true;
    } finally {
      fs.rmSync(claim, { force: true });
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    HELD_HERE.delete(this.token);
    process.removeListener('exit', this.onExit);
    if (readHolder(this.lockPath)?.token === this.token) fs.rmSync(this.lockPath, { force: true });
  }
}

function readHolder(file: string): Holder | null {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as { pid?: unknown; token?: unknown };
    const pid = Number(parsed.pid);
    return {
      raw,
      pid: Number.isInteger(pid) && pid > 0 ? pid : null,
      token: typeof parsed.token === 'string' ? parsed.token : null,
    };
  } catch {
    return { raw, pid: null, token: null };
  }
}
