import { type Case, type Context, describeCase, toWire } from './cases';
import { type WireClient, type WireResponse } from './client';
import { diffFingerprints, type Fingerprint, type StateFingerprinter } from './fingerprint';

const ENVELOPE_KEYS = ['correlation_id', 'details', 'error_code', 'error_type', 'message'];

export interface RunnerOptions {
  /** Routes whose 4xx answers use another documented error shape (MLflow's `{error_code, message}`). */
  foreignErrorShape?: (c: Case) => boolean;
  /** Operations where a 2xx would start background work (a training job) and so must never happen here. */
  mustReject?: (c: Case) => boolean;
}

/**
 * Sends cases and checks each answer: never a 5xx (nor a hang), every 4xx the error envelope
 * with X-Correlation-ID, 401 without the key, and, around every request that may change
 * state (anything but GET), a fingerprint of the stored state: a request not answered 2xx
 * must leave it as it was. GETs must never change it (checked in batches, before the next
 * mutating request and at the end).
 */
export class FuzzRunner {
  readonly problems: string[] = [];
  readonly statusCounts = new Map<number, number>();
  acceptedMutations = 0;
  /** The non-GET requests answered 2xx (FUZZ_PROFILE lists them). */
  readonly accepted: string[] = [];
  private last?: Fingerprint;
  private readsSince: string[] = [];

  constructor(
    private readonly client: WireClient,
    private readonly state: StateFingerprinter,
    private readonly ctx: Context,
    private readonly options: RunnerOptions = {},
  ) {}

  get sent(): number {
    return this.client.sent;
  }

  /** Milliseconds spent per operation and per kind of case (FUZZ_PROFILE prints them). */
  readonly timings = new Map<string, [number, number]>();

  async run(c: Case): Promise<void> {
    const t0 = performance.now();
    try {
      await this.runOne(c);
    } finally {
      const ms = performance.now() - t0;
      for (const k of [`op ${c.op.id}`, `case ${c.label.split(/[ =]/).slice(0, 2).join(' ')}`]) this.time(k, ms);
    }
  }

  private time(key: string, ms: number): void {
    const [total, n] = this.timings.get(key) ?? [0, 0];
    this.timings.set(key, [total + ms, n + 1]);
  }

  private async fingerprint(): Promise<Fingerprint> {
    const t0 = performance.now();
    try {
      return await this.state.take();
    } finally {
      this.time('fingerprints', performance.now() - t0);
    }
  }

  private async runOne(c: Case): Promise<void> {
    const before = c.op.mutating ? await this.settledFingerprint() : undefined;
    let res: WireResponse;
    try {
      res = await this.client.send(toWire(c, this.ctx));
    } catch (e) {
      this.problem(c, `no answer: ${(e as Error).message}`);
      this.last = undefined;
      return;
    }
    this.statusCounts.set(res.status, (this.statusCounts.get(res.status) ?? 0) + 1);
    this.checkAnswer(c, res);
    if (!before) {
      this.readsSince.push(describeCase(c));
      return;
    }
    const after = await this.fingerprint();
    const accepted = res.status >= 200 && res.status < 300;
    if (accepted) {
      this.acceptedMutations++;
      this.accepted.push(`${res.status} ${describeCase(c)}`);
    } else {
      const diff = diffFingerprints(before, after);
      if (diff.length)
        this.problem(c, `answered ${res.status} but stored state changed: ${diff.slice(0, 5).join('; ')}`);
    }
    this.last = after;
  }

  /** Checks that the reads since the last fingerprint changed nothing (call at the end of a batch). */
  async checkReads(): Promise<void> {
    await this.settledFingerprint();
  }

  private async settledFingerprint(): Promise<Fingerprint> {
    if (this.last && !this.readsSince.length) return this.last;
    const now = await this.fingerprint();
    if (this.last && this.readsSince.length) {
      const diff = diffFingerprints(this.last, now);
      if (diff.length)
        this.problems.push(
          `stored state changed during ${this.readsSince.length} GET requests (the last: ${this.readsSince.slice(-3).join(' | ')}): ${diff.slice(0, 5).join('; ')}`,
        );
    }
    this.readsSince = [];
    this.last = now;
    return now;
  }

  private checkAnswer(c: Case, res: WireResponse): void {
    const head = res.text.length > 300 ? `${res.text.slice(0, 300)}…` : res.text;
    if (res.status >= 500 || res.status < 100) return this.problem(c, `answered ${res.status}: ${head}`);
    const isApi = c.op.path.startsWith('/api/');
    // Without the key: 401, unless Fastify refused the URL itself before routing (malformed
    // percent-encoding, a path parameter over its length limit): then nothing was reached.
    // Or the path matched no route at all (`../` segments): the 404 envelope, nothing reached.
    const refusedUrl =
      (res.status === 400 && /FST_ERR_BAD_URL/.test(res.text)) ||
      res.status === 414 ||
      (res.status === 404 && /"ROUTE_NOT_FOUND"/.test(res.text));
    if (c.auth !== 'key' && isApi && res.status !== 401 && !refusedUrl)
      return this.problem(c, `answered ${res.status} without a valid API key (401 expected): ${head}`);
    if (res.status >= 200 && res.status < 300 && c.op.mutating && this.options.mustReject?.(c))
      return this.problem(c, `a hostile request was accepted (${res.status}): ${head}`);
    if (res.status < 400) return;
    const header = res.headers['x-correlation-id'];
    if (typeof header !== 'string' || !header) this.problem(c, `${res.status} without X-Correlation-ID`);
    let body: any;
    try {
      body = JSON.parse(res.text);
    } catch {
      return this.problem(c, `${res.status} with a body that is not JSON: ${head}`);
    }
    if (res.status !== 401 && this.options.foreignErrorShape?.(c)) {
      if (!body || typeof body.error_code !== 'string' || typeof body.message !== 'string')
        this.problem(c, `${res.status} without the documented {error_code, message}: ${head}`);
      return;
    }
    const keys = body && typeof body === 'object' ? Object.keys(body).sort() : [];
    if (JSON.stringify(keys) !== JSON.stringify(ENVELOPE_KEYS))
      return this.problem(c, `${res.status} is not the error envelope: ${head}`);
    if (
      typeof body.error_type !== 'string' ||
      typeof body.error_code !== 'string' ||
      typeof body.message !== 'string' ||
      (body.details !== null && typeof body.details !== 'object')
    ) {
      return this.problem(c, `${res.status} envelope with wrong field types: ${head}`);
    }
    if (body.correlation_id !== header)
      this.problem(
        c,
        `${res.status} envelope correlation_id ${body.correlation_id} differs from X-Correlation-ID ${String(header)}`,
      );
  }

  private problem(c: Case, what: string): void {
    this.problems.push(`${c.op.id}: ${what}\n    request: ${describeCase(c)}`);
  }
}
