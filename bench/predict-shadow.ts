/**
 * `bench:predict -- --shadow` (or SHADOW=1): what a shadow challenger costs the requests it
 * shadows (issue #17: shadow scoring adds ≤ 5 % to predict p99).
 *
 * v1 is active on two targets and v2 is a shadow on one of them only, so the same version answers
 * the same body through a target with a shadow (strategy_engine) and one without
 * (ml_integration), in the same process and run. Rounds interleave, alternating which goes first,
 * so drift in the machine's load falls on both sides. After each shadowed run the bench waits
 * until the shadow has scored every request it saw, so its backlog never lands in the next run.
 * Any non-2xx, socket error or failed shadow scoring fails the bench (exit 1).
 */
import * as os from 'node:os';
import type { PredictionService } from '../src/prediction/prediction.service';
import { startGcTally, type GcTally } from './gc-tally';
import type { LoadResult, LoadSpec } from './predict.bench';

export const PLAIN_TARGET = 'ml_integration';
export const SHADOW_TARGET = 'strategy_engine';

export interface ShadowBenchDeps {
  url: string;
  call: (p: string, init?: RequestInit & { json?: unknown }) => Promise<any>;
  modelId: string;
  active: string;
  challenger: string;
  features: Record<string, number[]>;
  service: PredictionService;
  engine: string;
  load: (spec: LoadSpec) => Promise<LoadResult>;
  line: (name: string, r: LoadResult) => string;
  duration: number;
  connections: number;
  rounds: number;
  sequential: number;
}

export async function shadowBench(d: ShadowBenchDeps): Promise<void> {
  const deploy = (json: Record<string, unknown>) =>
    d.call(`/api/v1/models/${d.modelId}/deploy`, {
      method: 'POST',
      json: { scaling_factor: 1.0, monitoring_level: 'medium', ...json },
    });
  await deploy({ version: d.active, deployment_target: PLAIN_TARGET });
  await deploy({ version: d.active, deployment_target: SHADOW_TARGET });
  const withShadow = await deploy({ version: d.challenger, deployment_target: SHADOW_TARGET, mode: 'shadow' });
  if (withShadow.challenger?.version !== d.challenger)
    throw new Error(`the shadow was not deployed: ${JSON.stringify(withShadow)}`);

  const bodyFor = (target: string) =>
    JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d', features: d.features, target });
  const predictUrl = `${d.url}/api/v1/models/${d.modelId}/predict`;
  const spec = (target: string, over: Partial<LoadSpec> = {}): LoadSpec => ({
    url: predictUrl,
    method: 'POST',
    body: bodyFor(target),
    duration: d.duration,
    connections: d.connections,
    ...over,
  });
  for (const target of [PLAIN_TARGET, SHADOW_TARGET]) {
    const first = await d.call(`/api/v1/models/${d.modelId}/predict`, {
      method: 'POST',
      json: JSON.parse(bodyFor(target)),
    });
    if (first.version !== d.active || first.role !== 'active')
      throw new Error(`through ${target} answered ${first.version} (${first.role}), expected ${d.active} (active)`);
  }

  const counts = d.service.challengerCounts;
  let shadowed = 1; // the check request above
  /** Wait until the shadow has scored or shed every shadowed request (its backlog must not spill into the next run). */
  const drain = async () => {
    const deadline = Date.now() + 60_000;
    while (counts.scored + counts.failed + counts.shed < shadowed && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
  };
  const gc: Record<string, GcTally[]> = { [PLAIN_TARGET]: [], [SHADOW_TARGET]: [] };
  const run = async (target: string, over: Partial<LoadSpec> = {}) => {
    const tally = startGcTally();
    const r = await d.load(spec(target, over));
    if (!over.mode && !over.duration) gc[target].push(tally.stop());
    else tally.stop();
    if (target === SHADOW_TARGET) {
      shadowed += r.total;
      await drain();
    }
    return r;
  };

  console.log(
    `shadow: ${d.active} active on ${PLAIN_TARGET} and ${SHADOW_TARGET}, ${d.challenger} shadow on ${SHADOW_TARGET}; engine ${d.engine}`,
  );
  console.log(
    `load: autocannon, ${d.connections} connections, ${d.duration} s per target, ${d.rounds} interleaved rounds (order alternating), in a child process; then ${d.sequential} sequential requests per target; rate limit off`,
  );

  await run(PLAIN_TARGET, { duration: 2 });
  await run(SHADOW_TARGET, { duration: 2 });
  const plain: LoadResult[] = [];
  const shadow: LoadResult[] = [];
  for (let r = 0; r < d.rounds; r++) {
    const order = r % 2 === 0 ? [PLAIN_TARGET, SHADOW_TARGET] : [SHADOW_TARGET, PLAIN_TARGET];
    for (const t of order) (t === PLAIN_TARGET ? plain : shadow).push(await run(t));
  }
  const seq = (t: string) => run(t, { mode: 'sequential', requests: d.sequential, duration: 0, connections: 1 });
  const seqPlain = await seq(PLAIN_TARGET);
  const seqShadow = await seq(SHADOW_TARGET);
  await drain();

  plain.forEach((p, i) => console.log(d.line(`plain${i + 1}`, p)));
  shadow.forEach((p, i) => console.log(d.line(`shadow${i + 1}`, p)));
  console.log(d.line('seq pln', seqPlain));
  console.log(d.line('seq shd', seqShadow));
  const mean = (rs: LoadResult[], k: 'rps' | 'p50' | 'p99') => rs.reduce((a, r) => a + r[k], 0) / rs.length;
  const p99Ratio = mean(shadow, 'p99') / mean(plain, 'p99');
  const rpsRatio = mean(shadow, 'rps') / mean(plain, 'rps');
  const seqRatio = seqShadow.p99 / seqPlain.p99;
  console.log(
    `under load: p99 ${mean(shadow, 'p99').toFixed(1)} ms with the shadow vs ${mean(plain, 'p99').toFixed(1)} ms without = ${p99Ratio.toFixed(3)}× (target ≤ 1.05×); p50 ${mean(shadow, 'p50').toFixed(1)} vs ${mean(plain, 'p50').toFixed(1)} ms; req/s ${mean(shadow, 'rps').toFixed(0)} vs ${mean(plain, 'rps').toFixed(0)} (${(rpsRatio * 100).toFixed(0)} %)`,
  );
  console.log(
    `one sequential client: p50 ${seqShadow.p50} vs ${seqPlain.p50} ms, p99 ${seqShadow.p99} vs ${seqPlain.p99} ms = ${seqRatio.toFixed(3)}×`,
  );
  const gcSum = (t: string) =>
    gc[t].reduce(
      (a, g) => ({
        major_ms: a.major_ms + g.major_ms,
        minor_ms: a.minor_ms + g.minor_ms,
        major: a.major + g.major,
        minor: a.minor + g.minor,
      }),
      { major_ms: 0, minor_ms: 0, major: 0, minor: 0 },
    );
  const [gcPlain, gcShadow] = [gcSum(PLAIN_TARGET), gcSum(SHADOW_TARGET)];
  console.log(
    `server GC pauses during the timed autocannon runs: plain ${gcPlain.major} major (${gcPlain.major_ms} ms) + ${gcPlain.minor} minor (${gcPlain.minor_ms} ms); shadowed ${gcShadow.major} major (${gcShadow.major_ms} ms) + ${gcShadow.minor} minor (${gcShadow.minor_ms} ms)`,
  );
  console.log(
    `shadow scorings: ${counts.scored} scored, ${counts.shed} shed (${((100 * counts.shed) / shadowed).toFixed(1)} %: the serving path left them no room), ${counts.failed} failed, for ${shadowed} shadowed requests`,
  );
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const all = [...plain, ...shadow, seqPlain, seqShadow];
  const non2xx = all.reduce((a, r) => a + r.non2xx, 0);
  const errors = all.reduce((a, r) => a + r.errors + r.timeouts, 0);
  if (non2xx > 0 || errors > 0 || counts.failed > 0 || counts.scored + counts.shed < shadowed) {
    console.error(
      `FAILED: ${non2xx} non-2xx, ${errors} socket errors/timeouts, ${counts.failed} failed and ${shadowed - counts.scored - counts.failed - counts.shed} unaccounted shadow scorings`,
    );
    process.exitCode = 1;
  }
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  console.log(
    JSON.stringify({
      mode: 'shadow',
      plain_rps: Math.round(mean(plain, 'rps')),
      plain_p50_ms: r1(mean(plain, 'p50')),
      plain_p99_ms: r1(mean(plain, 'p99')),
      shadow_rps: Math.round(mean(shadow, 'rps')),
      shadow_p50_ms: r1(mean(shadow, 'p50')),
      shadow_p99_ms: r1(mean(shadow, 'p99')),
      p99_ratio: r3(p99Ratio),
      rps_ratio: r3(rpsRatio),
      sequential_plain_p50_ms: seqPlain.p50,
      sequential_plain_p99_ms: seqPlain.p99,
      sequential_shadow_p50_ms: seqShadow.p50,
      sequential_shadow_p99_ms: seqShadow.p99,
      sequential_p99_ratio: r3(seqRatio),
      shadow_scored: counts.scored,
      shadow_failed: counts.failed,
      shadow_shed: counts.shed,
      gc_plain: gcPlain,
      gc_shadow: gcShadow,
      non_2xx: non2xx,
      errors,
      engine: d.engine,
      load_avg_1m: Math.round(os.loadavg()[0] * 100) / 100,
    }),
  );
}
