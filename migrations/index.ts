import { MarketBars1795770752572 } from './1795770752572-MarketBars';
import { Registry1795771299017 } from './1795771299017-Registry';
import { Deployments1795772731058 } from './1795772731058-Deployments';
import { Tracking1795775362543 } from './1795775362543-Tracking';
import { JobWorker1795900000000 } from './1795900000000-JobWorker';
import { JobAttempts1796000000000 } from './1796000000000-JobAttempts';
import { EvaluationTrials1796299511493 } from './1796299511493-EvaluationTrials';
import { Sweeps1796300603049 } from './1796300603049-Sweeps';
import { WalkForward1796400000000 } from './1796400000000-WalkForward';
import { MarketBarSource1796100000000 } from './1796100000000-MarketBarSource';
import { ModelAliases1796310833744 } from './1796310833744-ModelAliases';
import { DeploymentChallengers1796500000000 } from './1796500000000-DeploymentChallengers';
import { WalkForwardFolds1796600000000 } from './1796600000000-WalkForwardFolds';
import { DeploymentPredictions1796310813797 } from './1796310813797-DeploymentPredictions';
import { Schedules1796310907672 } from './1796310907672-Schedules';

/**
 * Every migration, oldest first. `npm run migration:generate -- migrations/Name` writes a new
 * file here; add its class to this list (a unit test checks that none is forgotten).
 */
export const MIGRATIONS: Function[] = [
  MarketBars1795770752572,
  Registry1795771299017,
  Deployments1795772731058,
  Tracking1795775362543,
  JobWorker1795900000000,
  JobAttempts1796000000000,
  MarketBarSource1796100000000,
  EvaluationTrials1796299511493,
  Sweeps1796300603049,
  DeploymentPredictions1796310813797,
  ModelAliases1796310833744,
  Schedules1796310907672,
  WalkForward1796400000000,
  DeploymentChallengers1796500000000,
  WalkForwardFolds1796600000000,
];
