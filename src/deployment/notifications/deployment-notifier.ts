import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import type { DeploymentNotification } from '../entities';
import type { EntityManager } from 'typeorm';
import { type NewNotification, NotificationRepository } from './notification.repository';
import { NotificationTransport } from './notification-transport';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature';

const MAX_BACKOFF_MS = 60_000;

class PermanentFailure extends Error {}

/**
 * Delivers deployment events to a target's notification URL, in the background: the deploy
 * request only inserts a `pending` row (in its transaction) and calls `dispatch` after the
 * commit, which never waits for the network. Each attempt has a timeout; network errors,
 * timeouts, 408, 429 and 5xx are retried with exponential backoff and ±20 % jitter
 * (DEPLOYMENT_NOTIFY_RETRIES times), other 4xx fail at once. The state (pending | delivered |
 * failed, attempts, last_error) is written after every attempt and shown on the deployment.
 *
 * Each POST carries `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (when
 * DEPLOYMENT_NOTIFY_SECRET is set), `X-Signature-Timestamp` (unix seconds of the attempt),
 * `X-Event-Id` (the same on every retry: receivers de-duplicate with it) and `X-Event-Type`.
 * The body holds the event's own `time` and `event_id`, so they are covered by the signature.
 *
 * Not covered: deliveries still pending when the process stops are not resumed at the next
 * start (their rows stay `pending`).
 */
@Injectable()
export class DeploymentNotifier implements BeforeApplicationShutdown {
  private readonly logger = new Logger('DeploymentNotifier');
  private readonly inflight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();

  constructor(
    private readonly repo: NotificationRepository,
    private readonly transport: NotificationTransport,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  /**
   * Records a `pending` notification in the change's transaction `m` (webhook targets on every
   * change, live performance on degraded/recovered); `dispatch` it once that has committed.
   */
  record(m: EntityManager, fields: NewNotification): Promise<DeploymentNotification> {
    return this.repo.insertPending(m, fields);
  }

  /** Start delivering these notifications; returns at once. */
  dispatch(notifications: DeploymentNotification[]): void {
    for (const n of notifications) {
      if (this.shutdown.signal.aborted) return;
      const p = this.deliver(n).catch((e) => this.logger.warn(`notification ${n.id}: ${(e as Error).message}`));
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  /** Resolves when every delivery started so far has finished (tests use it). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.inflight]);
  }

  private async deliver(n: DeploymentNotification): Promise<void> {
    const maxAttempts = 1 + this.options.notifyRetries;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.shutdown.signal.aborted) return;
      const body = JSON.stringify(n.payload);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'ml-workbench-service',
        'x-event-id': n.id,
        'x-event-type': n.event,
        [TIMESTAMP_HEADER]: String(Math.floor(Date.now() / 1000)),
      };
      if (this.options.notifySecret) headers[SIGNATURE_HEADER] = signBody(this.options.notifySecret, body);
      let error: string | null = null;
      let status: number | null = null;
      let permanent = false;
      try {
        const res = await this.transport.post(
          n.url,
          body,
          headers,
          AbortSignal.any([AbortSignal.timeout(this.options.notifyTimeoutMs), this.shutdown.signal]),
        );
        status = res.status;
        if (res.status < 200 || res.status >= 300) {
          const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
          permanent = !retryable;
          throw new (retryable ? Error : PermanentFailure)(`HTTP ${res.status}`);
        }
      } catch (e) {
        if (this.shutdown.signal.aborted) return;
        const err = e as Error;
        error =
          err.name === 'TimeoutError'
            ? `timed out after ${this.options.notifyTimeoutMs} ms`
            : err.message + (err.cause instanceof Error ? ` (${err.cause.message})` : '');
      }
      const done = error === null;
      const final = done || permanent || attempt === maxAttempts;
      await this.repo.recordAttempt(n.id, {
        attempts: attempt,
        last_attempt_at: new Date(),
        last_status_code: status,
        last_error: error,
        state: done ? 'delivered' : final ? 'failed' : 'pending',
        ...(done ? { delivered_at: new Date() } : {}),
      });
      if (done) return;
      if (final) {
        this.logger.warn(
          `notification ${n.event} of deployment ${n.deployment_id} to ${n.target} failed after ${attempt} attempt(s): ${error}`,
        );
        return;
      }
      const base = Math.min(MAX_BACKOFF_MS, this.options.notifyBackoffMs * 2 ** (attempt - 1));
      await this.sleep(base * (0.8 + 0.4 * Math.random()));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.shutdown.signal;
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
