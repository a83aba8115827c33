export { DeploymentModule } from './deployment.module';
export { DeploymentService } from './deployment.service';
export { DeploymentLookupService } from './deployment-lookup.service';
export type {
  ActiveDeployment,
  DeploymentLookup,
  PredictionEvent as MonitoringEvent,
} from '../prediction/deployment-lookup';
export { DEPLOYMENT_ENTITIES } from './entities';
