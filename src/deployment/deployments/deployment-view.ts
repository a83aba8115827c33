import type { DeploymentDto } from '../dto/deployment.dto';
import type { Deployment, DeploymentNotification } from '../entities';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * A deployment as the API shows it: its row, the version a rollback would restore, and its
 * notifications with their summarised state (failed beats pending beats delivered).
 */
export function deploymentView(
  d: Deployment,
  notes: DeploymentNotification[],
  rollbackVersion: string | null,
): DeploymentDto {
  const states = notes.map((n) => n.state);
  return {
    id: d.id,
    model_id: d.model_id,
    version: d.version,
    target: d.target,
    scaling_factor: d.scaling_factor,
    monitoring_level: d.monitoring_level,
    status: d.status,
    deployed_at: iso(d.deployed_at)!,
    ended_at: iso(d.ended_at),
    replaced_version: d.replaced_version,
    replaced_deployment_id: d.replaced_deployment_id,
    ended_by_deployment_id: d.ended_by_deployment_id,
    restored_deployment_id: d.restored_deployment_id,
    rollback_version: rollbackVersion,
    performance_status: d.performance_status ?? null,
    challenger:
      d.challenger_version && d.challenger_mode
        ? {
            version: d.challenger_version,
            mode: d.challenger_mode,
            canary_share: d.canary_share,
            since: iso(d.challenger_since)!,
          }
        : null,
    notification_state: !states.length
      ? null
      : states.includes('failed')
        ? 'failed'
        : states.includes('pending')
          ? 'pending'
          : 'delivered',
    notifications: notes.map((n) => ({
      id: n.id,
      event: n.event,
      state: n.state,
      attempts: n.attempts,
      last_error: n.last_error,
      last_status_code: n.last_status_code,
      created_at: iso(n.created_at)!,
      last_attempt_at: iso(n.last_attempt_at),
      delivered_at: iso(n.delivered_at),
    })),
  };
}
