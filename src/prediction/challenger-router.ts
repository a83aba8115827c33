import { Injectable, Logger, Optional } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { answeringRole, MAX_REQUEST_KEY } from './challenger-routing';
import { invalid } from './prediction-errors';
import { PredictionRunner } from './prediction-runner';
import { ShadowLane } from './shadow-lane';
import type { PredictBatchBody, PredictBody, PredictMeta, PreparedWindows, Resolved } from './prediction.types';
import { VersionResolver } from './version-resolver';

/**
 * The challengers beside a deployment's active version: a canary answers its share of the
 * requests (falling back to the active version when it cannot), a shadow scores every request
 * off the request path. The split rule itself is challenger-routing.ts.
 */
/**
 * Shadow scorings that may wait behind the requests before new ones are shed (a burst of ~75 ms
 * at this machine's saturating rate, a quarter of a second at 1,000 req/s), and how long one may
 * wait while requests never stop before it runs anyway (at most one such per interval). See
 * shadow-lane.ts.
 */
const SHADOW_BACKLOG = 256;
const SHADOW_MAX_DELAY_MS = 100;
/** A client that asks again within this long of its answer is taken as busy (loopback round trips are ~0.2 ms). */
const SHADOW_IDLE_MS = 2;

@Injectable()
export class ChallengerRouter {
  private readonly logger = new Logger('Prediction');
  /**
   * Challenger work off the request path (shadow scorings) and canaries that fell back: done and
   * failed; `shed`: shadow scorings dropped because the serving path never left them room.
   */
  readonly counts = { scored: 0, failed: 0, shed: 0 };
  private readonly lane: ShadowLane;

  constructor(
    private readonly resolver: VersionResolver,
    private readonly runner: PredictionRunner,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.lane = new ShadowLane(
      { capacity: SHADOW_BACKLOG, maxDelayMs: SHADOW_MAX_DELAY_MS, idleMs: SHADOW_IDLE_MS },
      undefined,
      () => {
        this.counts.shed++;
        this.metrics?.shadowScorings.inc({ outcome: 'shed' });
      },
    );
  }

  /** A predict request started: shadow work waits until no request is in flight. */
  requestStarted(): void {
    this.lane.requestStarted();
  }

  /** A predict request ended (answered or failed). */
  requestEnded(): void {
    this.lane.requestEnded();
  }

  /** Shadow scorings queued and not yet run. */
  get shadowBacklog(): number {
    return this.lane.backlog;
  }

  /** A canary answers its share of the requests; when it cannot (archived, artifacts gone) the active version does, and the log says why. */
  async route(modelId: string, primary: Resolved, key: string | undefined): Promise<Resolved> {
    if (answeringRole(primary.deployment, key) !== 'canary') return primary;
    try {
      return await this.resolver.challengerOf(modelId, primary, 'canary');
    } catch (e) {
      this.counts.failed++;
      this.logger.warn(
        { model_id: modelId, deployment_id: primary.deployment?.deployment_id, error: (e as Error).message },
        'the canary could not answer; the active version did',
      );
      return primary;
    }
  }

  /**
   * A shadow challenger scores the same request after the answer was computed, in the shadow
   * lane: when no request is in flight, one at a time, never awaited by the request (under
   * endless load scorings beyond the backlog are shed and counted). What it predicts is only
   * recorded for live performance (role shadow); a failure is logged and counted, never answered.
   * `answered` holds the windows the active version built: when the shadow's features and
   * window are the same it rescales those rows instead of reading and computing the bars again.
   */
  shadow(modelId: string, primary: Resolved, body: PredictBody, answered: PreparedWindows): void {
    if (primary.deployment?.challenger?.mode !== 'shadow') return;
    // Full: shed it before building anything for it (under saturating load almost every request).
    if (this.lane.full) return this.lane.shed();
    // Otherwise the bar the active version answered for: a bar stored between the answer and this
    // later turn must not move the shadow's window (its prediction would belong to another bar).
    const asOf = body.instances === undefined ? answered.instances[0]?.asOf : null;
    const barsUpTo = asOf ? Date.parse(asOf) : undefined;
    const queued = performance.now();
    this.lane.enqueue(() =>
      this.resolver
        .challengerOf(modelId, primary, 'shadow')
        .then((r): Promise<unknown> =>
          body.instances !== undefined
            ? this.runner.answerBatch(r, body as PredictBatchBody, body.instances as unknown[], undefined, queued, {
                reuse: answered,
              })
            : this.runner.answerOne(r, body, undefined, queued, { barsUpTo, reuse: answered }),
        )
        .then(() => {
          this.counts.scored++;
          this.metrics?.shadowScorings.inc({ outcome: 'scored' });
        })
        .catch((e) => {
          this.counts.failed++;
          this.metrics?.shadowScorings.inc({ outcome: 'failed' });
          this.logger.warn(
            { model_id: modelId, deployment_id: primary.deployment?.deployment_id, error: (e as Error).message },
            'shadow scoring failed',
          );
        }),
    );
  }
}

/** The canary key: body `request_key`, else the X-Request-Key header; 422 for anything but a 1–200 character string. */
export function requestKeyOf(body: PredictBody, meta: PredictMeta | undefined): string | undefined {
  const [field, key] =
    body.request_key !== undefined ? ['request_key', body.request_key] : ['X-Request-Key', meta?.requestKey];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_REQUEST_KEY)
    throw invalid(
      field,
      `${field} must be a string of 1 to ${MAX_REQUEST_KEY} characters (it keys the canary split: the same key is always answered by the same version)`,
    );
  return key;
}
