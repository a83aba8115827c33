import { Injectable } from '@nestjs/common';
import { ModelsService } from '../models/models.service';

/*
 * What the prediction path needs to know about deployments: the port prediction owns and the
 * deployment module implements. Prediction never imports the deployment module (which depends
 * on prediction); the deployment module hands its implementation to {@link DeploymentLookupPort}
 * when it is instantiated, and until then (or in an application without it) the registry
 * answers ({@link RegistryDeploymentLookup}).
 */

/** The token of the deployment module's registration provider (its value: the lookup it handed to the port). */
export const DEPLOYMENT_LOOKUP = Symbol('DEPLOYMENT_LOOKUP');

export interface ActiveDeployment {
  /** The model version this deployment target serves. */
  version: string;
  /** signal = prediction × scaling_factor (see the predict endpoint's documentation). */
  scaling_factor: number;
  deployment_id: string;
  /** low | medium | high: every level records at least request and error counts (see the deployment module). */
  monitoring_level: string;
  /** A challenger version beside the active one: shadow (scored off the request path) or canary (answers `canary_share` of the requests). */
  challenger?: { version: string; mode: 'shadow' | 'canary'; canary_share: number | null } | null;
}

export interface PredictionEvent {
  /** What the model saw: symbol, timeframe, features (raw, unscaled; the last `window` values). */
  inputs: unknown;
  /** What the caller got: the `prediction` object and the `signal`. */
  outputs: unknown;
  latency_ms: number;
  ok: boolean;
  /** The version and engine that answered (kept with each served prediction for live scoring). */
  version?: string;
  engine?: string;
  /** The version's target horizon in bars (its signature's `horizon`), null when it has none. */
  horizon?: number | null;
  /** Who made it on the deployment: the active version (default), a shadow challenger (not a request: monitoring skips it) or a canary. */
  role?: 'active' | 'shadow' | 'canary';
  /** One entry per window answered, in request order. */
  served?: ServedPrediction[];
}

/** One answered window, as the deployment module stores it to score it once its horizon has realised. */
export interface ServedPrediction {
  symbol: string;
  timeframe: string;
  /** The stored bar the window ended on (windows built from market data); null when the caller sent features. */
  as_of: string | null;
  /** The predicted value of a regression model; null for other outputs (classes, scores, actions). */
  value: number | null;
}

export interface DeploymentLookup {
  /** The deployment of `modelId` to deployment target `target`, or null when there is none. */
  activeVersion(modelId: string, target: string): Promise<ActiveDeployment | null>;
  /** Versions of `modelId` deployed to any target (the default version when exactly one). */
  deployedVersions(modelId: string): Promise<string[]>;
  /** Called (fire and forget, never awaited) after each prediction through a deployment target. */
  record?(deploymentId: string, event: PredictionEvent): void;
}

/**
 * The fallback before deployments exist: deployed versions are the registry's versions with
 * status 'deployed'; there are no deployment targets (activeVersion → null).
 */
@Injectable()
export class RegistryDeploymentLookup implements DeploymentLookup {
  constructor(private readonly models: ModelsService) {}

  activeVersion(): Promise<ActiveDeployment | null> {
    return Promise.resolve(null);
  }

  async deployedVersions(modelId: string): Promise<string[]> {
    return (await this.models.versions(modelId)).filter((v) => v.status === 'deployed').map((v) => v.version);
  }
}

/**
 * Where prediction finds the deployment lookup. The deployment module imports the prediction
 * module anyway (it publishes to it and reads its types), so it can give its lookup to this
 * exported provider from a factory provider of its own — the provider is instantiated with its
 * module, before any request or bootstrap hook. That keeps the dependency one way (deployment →
 * prediction) without prediction searching the whole container (`ModuleRef.get(…, {strict:
 * false})`) for a token it cannot import, and an application without the deployment module
 * simply keeps the registry fallback.
 */
@Injectable()
export class DeploymentLookupPort {
  private provided: DeploymentLookup | null = null;

  constructor(private readonly registry: RegistryDeploymentLookup) {}

  /** Called once by the deployment module; returns the lookup so the caller's provider holds it. */
  provide(lookup: DeploymentLookup): DeploymentLookup {
    this.provided = lookup;
    return lookup;
  }

  /** The deployment module's lookup when it registered one, else the registry fallback. */
  get current(): DeploymentLookup {
    return this.provided ?? this.registry;
  }
}
