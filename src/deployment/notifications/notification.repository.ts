import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { DeploymentNotification } from '../entities';

/** What one delivery attempt writes on its notification. */
export type DeliveryAttempt = Pick<
  DeploymentNotification,
  'attempts' | 'last_attempt_at' | 'last_status_code' | 'last_error' | 'state'
> &
  Partial<Pick<DeploymentNotification, 'delivered_at'>>;

/**
 * deployment_notifications: the history shown on a deployment and each attempt's outcome.
 * (A new notification is inserted in the change's own transaction: pending-notification.ts.)
 */
export abstract class NotificationRepository {
  /** The notifications of these deployments, oldest first. */
  abstract forDeployments(ids: string[]): Promise<DeploymentNotification[]>;
  abstract recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void>;
}

@Injectable()
export class SqlNotificationRepository extends NotificationRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
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
