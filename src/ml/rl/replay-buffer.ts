/**
 * Experience replay: a fixed-capacity ring buffer of transitions held in preallocated typed
 * arrays (no per-transition objects, no garbage), overwriting the oldest once full.
 * Sampling is uniform with replacement, drawn from a caller-supplied PRNG so that training
 * is reproducible independently of tfjs's use of Math.random.
 */
export interface ReplayBatch {
  /** [batch, obsSize] */
  obs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  /** [batch, obsSize]; zeros where done. */
  nextObs: Float32Array;
  /** 1 where the transition ended the episode (no bootstrap), else 0. */
  dones: Float32Array;
}

export class ReplayBuffer {
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Uint8Array;
  private readonly rewards: Float32Array;
  private readonly dones: Uint8Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`replay capacity must be an integer >= 1, got ${capacity}`);
    if (!Number.isInteger(obsSize) || obsSize < 1)
      throw new RangeError(`obsSize must be an integer >= 1, got ${obsSize}`);
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Uint8Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Store one transition; `nextObs` is ignored (stored as zeros) when `done`. */
  push(obs: Float32Array, action: number, reward: number, nextObs: Float32Array | null, done: boolean): void {
    if (obs.length !== this.obsSize) throw new RangeError(`obs has ${obs.length} values, expected ${this.obsSize}`);
    const i = this.next;
    const at = i * this.obsSize;
    this.obs.set(obs, at);
    if (done || nextObs === null) this.nextObs.fill(0, at, at + this.obsSize);
    else {
      if (nextObs.length !== this.obsSize)
        throw new RangeError(`nextObs has ${nextObs.length} values, expected ${this.obsSize}`);
      this.nextObs.set(nextObs, at);
    }
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.dones[i] = done ? 1 : 0;
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Uniform sample with replacement of `batchSize` stored transitions. */
  sample(batchSize: number, random: () => number): ReplayBatch {
    if (this.count === 0) throw new RangeError('cannot sample an empty replay buffer');
    const d = this.obsSize;
    const batch: ReplayBatch = {
      obs: new Float32Array(batchSize * d),
      actions: new Int32Array(batchSize),
      rewards: new Float32Array(batchSize),
      nextObs: new Float32Array(batchSize * d),
      dones: new Float32Array(batchSize),
    };
    for (let b = 0; b < batchSize; b++) {
      const i = Math.min(this.count - 1, Math.floor(random() * this.count));
      batch.obs.set(this.obs.subarray(i * d, (i + 1) * d), b * d);
      batch.nextObs.set(this.nextObs.subarray(i * d, (i + 1) * d), b * d);
      batch.actions[b] = this.actions[i];
      batch.rewards[b] = this.rewards[i];
      batch.dones[b] = this.dones[i];
    }
    return batch;
  }

  /** The transition in slot `i` (0 = oldest still stored); for tests and debugging. */
  get(i: number): { obs: Float32Array; action: number; reward: number; nextObs: Float32Array; done: boolean } {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`index ${i} outside [0, ${this.count})`);
    const slot = (this.next - this.count + i + this.capacity) % this.capacity;
    const d = this.obsSize;
    return {
      obs: this.obs.slice(slot * d, (slot + 1) * d),
      action: this.actions[slot],
      reward: this.rewards[slot],
      nextObs: this.nextObs.slice(slot * d, (slot + 1) * d),
      done: this.dones[slot] === 1,
    };
  }
}
