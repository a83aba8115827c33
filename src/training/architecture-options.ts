import { ARCHITECTURE_REGISTRY, findArchitecture } from '../ml/architectures';
import { TRAINERS } from './trainers';

/**
 * The request-facing views of the architecture registry and the trainers: the DTO's allowed
 * values and Swagger description, and the README's architectures table (a spec checks the
 * README holds exactly this table).
 */

/** Every architecture a request may name: the registry's (in its order) that some trainer offers, then the trainers' own (dqn). */
export function requestArchitectures(): string[] {
  const offered = new Set(Object.values(TRAINERS).flatMap((t) => t.architectures));
  const networks = ARCHITECTURE_REGISTRY.map((a) => a.name).filter((a) => offered.has(a));
  return [...networks, ...[...offered].filter((a) => !findArchitecture(a))];
}

/** Per model type: its default first, e.g. `time_series: lstm (default), gru, transformer`. */
function offeredPerModelType(): string[] {
  return Object.values(TRAINERS)
    .filter((t) => t.architectures.length)
    .map(
      (t) =>
        `${t.modelType}: ${t.architectures.map((a) => (a === t.defaultArchitecture && t.architectures.length > 1 ? `${a} (default)` : a)).join(', ')}`,
    );
}

export function architectureDescription(): string {
  return (
    `${offeredPerModelType().join('; ')} (anomaly_detection trains its architecture as an autoencoder). ` +
    ARCHITECTURE_REGISTRY.map((a) => `${a.name}: ${a.summary}`).join('. ')
  );
}

/** The README's table of network architectures, one row per registry entry. */
export function architecturesTable(): string {
  const modelTypes = (name: string) =>
    Object.values(TRAINERS)
      .filter((t) => t.architectures.includes(name))
      .map((t) => `\`${t.modelType}\`${t.defaultArchitecture === name ? ' (default)' : ''}`)
      .join(', ');
  const rows = ARCHITECTURE_REGISTRY.map((a) => {
    const defaults = Object.entries(a.hyperparameterDefaults ?? {})
      .map(([k, v]) => `\`${k}\` ${v}`)
      .join(', ');
    return `| \`${a.name}\` | ${a.summary} | ${modelTypes(a.name)} | ${defaults || '–'} | ${a.nativeEngine ? 'yes' : 'no'} | ${a.onnx.exported ? 'yes' : `no: ${a.onnx.reason}`} |`;
  });
  return [
    '| `architecture` | what it is | offered for | own defaults | native engine | ONNX export |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
