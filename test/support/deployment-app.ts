import { startTestApp, type TestApp } from './test-app';

/** Boots the real app with DEPLOYMENT_* / MONITORING_* settings beside the other variables. */
export async function startDeploymentApp(
  env: Record<string, string> = {},
  deploymentEnv: Record<string, string> = {},
): Promise<TestApp> {
  return startTestApp({ ...env, ...deploymentEnv });
}
