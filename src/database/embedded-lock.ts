import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * PGlite has no lock on its data directory and two processes writing one directory lose
 * rows. This lock file makes a second process refuse to start instead. A lock left by a
 * process that no longer exists (crash, SIGKILL) is taken over.
 */
export class EmbeddedDatabaseLockedError extends Error {
  constructor(readonly lockPath: string, readonly holderPid: number) {
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

export class EmbeddedDatabaseLock {
  private held = false;
  private readonly onExit = () => this.release();

  private constructor(readonly lockPath: string) {}

  /** Take the lock for `dataDir` or throw EmbeddedDatabaseLockedError. */
  static acquire(dataDir: string): EmbeddedDatabaseLock {
    const lock = new EmbeddedDatabaseLock(`${dataDir}.lock`);
    lock.take();
    return lock;
  }

  private take(): void {
    const content = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.lockPath, content, { flag: 'wx' });
        this.held = true;
        process.once('exit', this.onExit);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = this.readHolder();
        if (holder !== null && holder !== process.pid && processAlive(holder)) throw new EmbeddedDatabaseLockedError(this.lockPath, holder);
        if (holder === process.pid) throw new EmbeddedDatabaseLockedError(this.lockPath, holder);
        fs.rmSync(this.lockPath, { force: true }); // stale: its process is gone
      }
    }
    throw new Error(`Could not take the embedded database lock ${this.lockPath}`);
  }

  private readHolder(): number | null {
    try {
      const pid = Number(JSON.parse(fs.readFileSync(this.lockPath, 'utf8')).pid);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    process.removeListener('exit', this.onExit);
    if (this.readHolder() === process.pid) fs.rmSync(this.lockPath, { force: true });
  }
}
