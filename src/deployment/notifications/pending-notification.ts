import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DeploymentNotification, type NotificationEvent } from '../entities';

/**
 * Records a `pending` notification to a target's webhook inside the caller's transaction, so
 * that it exists exactly when the change it reports commits; the DeploymentNotifier POSTs it
 * after the commit. The payload always starts with `event_id` and `event`. Used by the webhook
 * target driver (deploy, replace, rollback, undeploy) and by live performance (degraded, recovered).
 */
export async function insertPendingNotification(
  m: EntityManager,
  fields: {
    deploymentId: string;
    event: NotificationEvent;
    target: string;
    url: string;
    payload: Record<string, unknown>;
  },
): Promise<DeploymentNotification> {
  const id = randomUUID();
  const note = m.create(DeploymentNotification, {
    id,
    deployment_id: fields.deploymentId,
    event: fields.event,
    target: fields.target,
    url: fields.url,
    state: 'pending',
    attempts: 0,
    payload: { event_id: id, event: fields.event, ...fields.payload },
  });
  await m.insert(DeploymentNotification, note as Parameters<EntityManager['insert']>[1]);
  return note;
}
