import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, In } from 'typeorm';
import { DeploymentNotification, type NotificationEvent } from '../entities';

/** What one delivery attempt writes on its notification. */
export type DeliveryAttempt = Pick<
  DeploymentNotification,
  'attempts' | 'last_attempt_at' | 'last_status_code' | 'last_error' | 'state'
> &
  Partial<Pick<DeploymentNotification, 'delivered_at'>>;

/** A notification to record: the payload always gets `event_id` and `event` first. */
export interface NewNotification {
  deploymentId: string;
  event: NotificationEvent;
  target: string;
  url: string;
  payload: Record<string, unknown>;
}

/** deployment_notifications: the events for targets' webhooks, shown on each deployment with each attempt's outcome. */
export abstract class NotificationRepository {
  /**
   * Records a `pending` notification inside the caller's transaction `m`, so that it exists
   * exactly when the change it reports commits (the DeploymentNotifier POSTs it afterwards).
   */
  abstract insertPending(m: EntityManager, fields: NewNotification): Promise<DeploymentNotification>;
  /** The notifications of these deployments, oldest first. */
  abstract forDeployments(ids: string[]): Promise<DeploymentNotification[]>;
  abstract recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void>;
}

@Injectable()
export class SqlNotificationRepository extends NotificationRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async insertPending(m: EntityManager, fields: NewNotification): Promise<DeploymentNotification> {
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
    // TypeORM's deep-partial type cannot see through the jsonb payload's Record<string, unknown>.
    await m.insert(DeploymentNotification, note as Parameters<EntityManager['insert']>[1]);
    return note;
  }

  forDeployments(ids: string[]): Promise<DeploymentNotification[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.dataSource
      .getRepository(DeploymentNotification)
      .find({ where: { deployment_id: In(ids) }, order: { created_at: 'ASC' } });
  }

  async recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void> {
    await this.dataSource.getRepository(DeploymentNotification).update({ id }, attempt);
  }
}
