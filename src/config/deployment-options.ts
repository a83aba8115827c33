/**
 * The deployment module owns its settings (src/deployment/deployment-options.ts: variables,
 * checks, defaults); AppConfig parses them beside the rest of the environment from here.
 */
export {
  DEFAULT_TARGETS,
  DEPLOYMENT_OPTIONS,
  DEPLOYMENT_VARIABLES,
  type DeploymentOptions,
  DeploymentOptionsError,
  parseDeploymentOptions,
  TARGET_PATTERN,
} from '../deployment/deployment-options';
