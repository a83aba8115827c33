import type { EntityManager } from 'typeorm';
import type { DeploymentNotifier } from '../notifications/deployment-notifier';
import type { AppliedChange, DeploymentTargetDriver, TargetChange, TargetDriverDefinition } from './target-driver';

/**
 * The webhook target (DEPLOYMENT_NOTIFY_URLS=`target=url,…`): every change is recorded as a
 * `pending` notification in the deployment's transaction and POSTed after the commit by the
 * DeploymentNotifier (signed, retried; DEPLOYMENT_NOTIFY_SECRET / _TIMEOUT_MS / _RETRIES /
 * _BACKOFF_MS). Delivery never fails the deploy: its state shows on the deployment.
 */
class WebhookDriver implements DeploymentTargetDriver {
  readonly kind = 'webhook';

  constructor(
    readonly target: string,
    private readonly url: string,
    private readonly notifier: DeploymentNotifier,
  ) {}

  describe() {
    // The origin only: a URL's path or query may carry a token.
    return { kind: this.kind, target: this.target, url: new URL(this.url).origin };
  }

  async apply({ deployment: d, event, at }: TargetChange, m: EntityManager): Promise<AppliedChange> {
    const note = await this.notifier.record(m, {
      deploymentId: d.id,
      event,
      target: d.target,
      url: this.url,
      payload: {
        deployment_id: d.id,
        model_id: d.model_id,
        version: d.version,
        target: d.target,
        scaling_factor: d.scaling_factor,
        monitoring_level: d.monitoring_level,
        status: d.status,
        replaced_version: d.replaced_version,
        time: at.toISOString(),
      },
    });
    return { afterCommit: () => this.notifier.dispatch([note]) };
  }
}

export const webhookTarget: TargetDriverDefinition<{ url: string }> = {
  kind: 'webhook',
  variable: 'DEPLOYMENT_NOTIFY_URLS',
  valueName: 'url',
  summary:
    'each deploy, replace, rollback and undeploy is POSTed to the URL in the background (signed with DEPLOYMENT_NOTIFY_SECRET, retried; the delivery state shows on the deployment)',
  parse(url, target) {
    let ok: boolean;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    return ok ? { config: { url } } : { problem: `the URL for ${target} must be an http(s) URL` };
  },
  create: (target, { url }, deps) => new WebhookDriver(target, url, deps.notifier),
};
