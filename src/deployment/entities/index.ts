import { DeploymentMetrics } from './deployment-metrics.entity';
import { DeploymentNotification } from './deployment-notification.entity';
import { DeploymentPrediction } from './deployment-prediction.entity';
import { DeploymentRequestLog } from './deployment-request-log.entity';
import { Deployment } from './deployment.entity';

export {
  Deployment,
  CHALLENGER_MODES,
  type ChallengerMode,
  DEPLOYMENT_STATUSES,
  MONITORING_LEVELS,
  PERFORMANCE_STATUSES,
  type DeploymentStatus,
  type MonitoringLevel,
  type PerformanceStatus,
} from './deployment.entity';
export {
  DeploymentNotification,
  DELIVERY_STATES,
  NOTIFICATION_EVENTS,
  type DeliveryState,
  type NotificationEvent,
} from './deployment-notification.entity';
export { DeploymentMetrics } from './deployment-metrics.entity';
export { DeploymentRequestLog } from './deployment-request-log.entity';
export { DeploymentPrediction, PREDICTION_ROLES, type PredictionRole } from './deployment-prediction.entity';

/** The deployment module's entities: add them to ENTITIES in src/database/entities.ts. */
export const DEPLOYMENT_ENTITIES = [
  Deployment,
  DeploymentNotification,
  DeploymentMetrics,
  DeploymentRequestLog,
  DeploymentPrediction,
];
