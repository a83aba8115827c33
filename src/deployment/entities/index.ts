import { DeploymentMetrics } from './deployment-metrics.entity';
import { DeploymentNotification } from './deployment-notification.entity';
import { DeploymentRequestLog } from './deployment-request-log.entity';
import { Deployment } from './deployment.entity';

export { Deployment, DEPLOYMENT_STATUSES, MONITORING_LEVELS, type DeploymentStatus, type MonitoringLevel } from './deployment.entity';
export { DeploymentNotification, DELIVERY_STATES, NOTIFICATION_EVENTS, type DeliveryState, type NotificationEvent } from './deployment-notification.entity';
export { DeploymentMetrics } from './deployment-metrics.entity';
export { DeploymentRequestLog } from './deployment-request-log.entity';

/** The deployment module's entities: add them to ENTITIES in src/database/entities.ts. */
export const DEPLOYMENT_ENTITIES = [Deployment, DeploymentNotification, DeploymentMetrics, DeploymentRequestLog];
