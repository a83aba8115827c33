export { DeploymentModule } from './deployment.module';
export { DeploymentService } from './deployment.service';
export { DeploymentLookupService } from './deployment-lookup.service';
export type { ActiveDeployment, DeploymentLookup, MonitoringEvent } from './deployment-lookup.types';
export { DEPLOYMENT_ENTITIES } from './entities';
