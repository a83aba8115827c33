import { redactUrlPasswords } from '../../config/secret-values';
import { fileDropTarget } from './file-drop.driver';
import type { DeploymentTargetDriver, TargetDriverDefinition, TargetDriverDeps } from './target-driver';
import { webhookTarget } from './webhook.driver';

/**
 * Every kind of deployment target, in one place: the configuration variables, their checks,
 * the Swagger text of `deployment_target` and the drivers made at start all derive from this
 * list. Adding a kind = one new driver file (with its test) and one line here.
 */
export const TARGET_DRIVERS: readonly TargetDriverDefinition<any>[] = [webhookTarget, fileDropTarget]; // eslint-disable-line @typescript-eslint/no-explicit-any

export const DEFAULT_TARGETS = ['strategy_engine', 'ml_integration', 'analysis_engine'];
export const TARGET_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** The variables target parsing reads (each must be in the README's environment table). */
export const TARGET_VARIABLES = ['DEPLOYMENT_TARGETS', ...TARGET_DRIVERS.map((d) => d.variable)];

export interface TargetOptions {
  /** The names a deployment may name. */
  targets: string[];
  /** kind → target → that driver's parsed configuration (only targets configured for the kind). */
  drivers: Record<string, Record<string, unknown>>;
}

/**
 * DEPLOYMENT_TARGETS and each driver's `target=value,…` variable; pushes one message per
 * problem (beginning with the variable's name, values redacted) and returns what was valid.
 */
export function parseTargetOptions(get: (name: string) => string | undefined, problems: string[]): TargetOptions {
  const targets = (get('DEPLOYMENT_TARGETS') ?? DEFAULT_TARGETS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!targets.length) problems.push('DEPLOYMENT_TARGETS must name at least one target');
  for (const t of targets)
    if (!TARGET_PATTERN.test(t))
      problems.push(`DEPLOYMENT_TARGETS: "${t}" is not a valid target name (lowercase letters, digits, _; at most 64)`);

  const drivers: TargetOptions['drivers'] = {};
  for (const def of TARGET_DRIVERS) {
    const configs: Record<string, unknown> = {};
    for (const pair of (get(def.variable) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      const target = eq > 0 ? pair.slice(0, eq).trim() : '';
      const value = eq > 0 ? pair.slice(eq + 1).trim() : '';
      if (!target || !value) {
        problems.push(`${def.variable}: "${redactUrlPasswords(pair)}" is not target=${def.valueName}`);
        continue;
      }
      if (!targets.includes(target)) problems.push(`${def.variable}: "${target}" is not one of DEPLOYMENT_TARGETS`);
      if (target in configs) problems.push(`${def.variable}: "${target}" is listed twice`);
      const parsed = def.parse(value, target);
      if ('problem' in parsed) problems.push(`${def.variable}: ${parsed.problem}`);
      else configs[target] = parsed.config;
    }
    for (const p of def.check?.(configs) ?? []) problems.push(`${def.variable}: ${p}`);
    drivers[def.kind] = configs;
  }
  return { targets, drivers };
}

/** The drivers of every configured target (a target without any has an empty list). */
export function createTargetDrivers(
  options: TargetOptions,
  deps: TargetDriverDeps,
): Map<string, DeploymentTargetDriver[]> {
  const out = new Map<string, DeploymentTargetDriver[]>(options.targets.map((t) => [t, []]));
  for (const def of TARGET_DRIVERS) {
    for (const [target, config] of Object.entries(options.drivers[def.kind] ?? {}))
      out.get(target)?.push(def.create(target, config, deps));
  }
  return out;
}

/** For the Swagger text of `deployment_target`: which variables give a target which behaviour. */
export function targetKindsDoc(): string {
  return TARGET_DRIVERS.map((d) => `${d.kind} (${d.variable}=${'`'}target=${d.valueName}${'`'}): ${d.summary}`).join(
    '; ',
  );
}
