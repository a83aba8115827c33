import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { architectureNames } from '../ml/architectures';
import { architecturesTable, requestArchitectures } from './architecture-options';
import { TRAINERS } from './trainers';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('architecture options derived from the registry', () => {
  it('the README holds exactly the registry table (paste the expected text below into it when this fails)', () => {
    const section = /<!-- architectures-table:start -->\n([\s\S]*?)\n<!-- architectures-table:end -->/.exec(
      README,
    )?.[1];
    expect(section).toBeDefined();
    expect(section).toBe(architecturesTable());
    const listed = [...section!.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]).slice(1); // after the header row
    expect(listed).toEqual(architectureNames());
  });

  it('a request may name every registered architecture and the agent’s dqn, nothing else', () => {
    expect(requestArchitectures()).toEqual([...architectureNames(), 'dqn']);
  });

  it('each model type offers what it offered before the registry, plus tcn for time_series, its default first', () => {
    expect(Object.fromEntries(Object.values(TRAINERS).map((t) => [t.modelType, t.architectures]))).toEqual({
      time_series: ['lstm', 'gru', 'transformer', 'tcn'],
      classification: ['gru', 'lstm', 'dense'],
      anomaly_detection: ['dense', 'lstm'],
      reinforcement_learning: ['dqn'],
      feature_engineering: [],
    });
  });
});
