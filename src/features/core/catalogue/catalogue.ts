/**
 * The feature catalogue: every named feature the service can compute, how names are parsed
 * into parameterised specs, and the JSON listing behind `GET /api/v1/features`.
 */
import { InvalidFeatureParameterError, UnknownFeatureError } from '../errors';
import type { Column } from '../types';
import { CALENDAR_FEATURES } from './calendar';
import type { FeatureDefinition, ParameterSpec } from './definition';
import { DERIVED_FEATURES } from './derived';
import { INDICATOR_FEATURES } from './indicators';

export const CATALOGUE: readonly FeatureDefinition[] = [
  ...INDICATOR_FEATURES,
  ...DERIVED_FEATURES,
  ...CALENDAR_FEATURES,
];

/** A parsed feature name: which definition, with which parameter values, needing what. */
export interface FeatureSpec {
  /** The canonical name, e.g. `sma_20`; also the column key in computeFeatures' result. */
  name: string;
  pattern: string;
  params: Record<string, number>;
  fixed: Record<string, number>;
  columns: Column[];
  /** Leading null rows of this feature on a gap-free series. */
  warmup: number;
  /** Earlier bars a row's value depends on (>= warmup; longer for recursive smoothers). */
  memory: number;
  /** Relative cost of one value (1 = a streaming indicator). */
  cost: number;
  definition: FeatureDefinition;
}

const PLACEHOLDER = /\{([A-Z]+)\}/g;

interface CompiledPattern {
  definition: FeatureDefinition;
  regex: RegExp;
  /** Literal text before the first placeholder (`sma_`), or the whole name if none. */
  prefix: string;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Placeholders match "anything without an underscore" so that a malformed value (`sma_x`)
// still reaches its definition and gets a parameter error rather than "unknown feature".
const COMPILED: CompiledPattern[] = CATALOGUE.map((definition) => {
  const parts = definition.pattern.split(PLACEHOLDER);
  let source = '^';
  parts.forEach((part, i) => {
    source += i % 2 === 0 ? escapeRegex(part) : '([^_]*)';
  });
  const brace = definition.pattern.indexOf('{');
  return {
    definition,
    regex: new RegExp(`${source}$`),
    prefix: brace < 0 ? definition.pattern : definition.pattern.slice(0, brace),
  };
});

function parseParameter(name: string, spec: ParameterSpec, raw: string): number {
  const range = `a whole number from ${spec.min} to ${spec.max}`;
  if (raw === '')
    throw new InvalidFeatureParameterError(name, spec.name, `is missing; expected ${range} (default ${spec.default})`);
  if (!/^[1-9]\d*$/.test(raw))
    throw new InvalidFeatureParameterError(name, spec.name, `must be ${range}, got '${raw}'`);
  const value = Number(raw);
  if (value < spec.min || value > spec.max)
    throw new InvalidFeatureParameterError(name, spec.name, `must be ${range}, got ${value}`);
  return value;
}

function toSpec(definition: FeatureDefinition, name: string, params: Record<string, number>): FeatureSpec {
  return {
    name,
    pattern: definition.pattern,
    params,
    fixed: { ...definition.fixed },
    columns: [...definition.columns],
    warmup: definition.warmup(params),
    memory: definition.memory?.(params) ?? definition.warmup(params),
    cost: definition.cost?.(params) ?? 1,
    definition,
  };
}

/**
 * `sma_20` -> spec. Throws UnknownFeatureError for a name no pattern knows and
 * InvalidFeatureParameterError when the family is known but a parameter is missing
 * (`sma`, `sma_`), malformed (`sma_x`, `sma_020`) or out of range (`sma_1`).
 */
export function parseFeature(name: string): FeatureSpec {
  for (const { definition, regex } of COMPILED) {
    const m = regex.exec(name);
    if (!m) continue;
    const params: Record<string, number> = {};
    definition.parameters.forEach((p, i) => {
      params[p.name] = parseParameter(name, p, m[i + 1]);
    });
    return toSpec(definition, name, params);
  }
  // Known family, unusable parameter text: say which parameter and what it accepts.
  for (const { definition, prefix } of COMPILED) {
    if (definition.parameters.length === 0) continue;
    if (name === prefix.replace(/_$/, '') || name.startsWith(prefix)) {
      const p = definition.parameters[0];
      const raw = name.length > prefix.length ? name.slice(prefix.length) : '';
      parseParameter(name, p, raw); // throws for '' / malformed / out of range
      // A well-formed single value would have matched the regex; anything left is malformed.
      throw new InvalidFeatureParameterError(
        name,
        p.name,
        `must be a whole number from ${p.min} to ${p.max}, got '${raw}'`,
      );
    }
  }
  throw new UnknownFeatureError(
    name,
    CATALOGUE.map((d) => d.pattern),
  );
}

/** The default-parameter instance of a definition, e.g. `sma_20` for `sma_{N}`. */
export function exampleName(definition: FeatureDefinition): string {
  let name = definition.pattern;
  for (const p of definition.parameters) name = name.replace(`{${p.name}}`, String(p.default));
  return name;
}

/** One entry of the catalogue listing (JSON, snake_case as the API speaks). */
export interface CatalogueEntry {
  pattern: string;
  group: string;
  description: string;
  parameters: { name: string; description: string; default: number; min: number; max: number }[];
  fixed_parameters: Record<string, number>;
  columns: Column[];
  warmup_bars: string;
  example: { name: string; warmup_bars: number };
}

/** The whole catalogue as plain JSON, for `GET /api/v1/features`. */
export function listCatalogue(): CatalogueEntry[] {
  return CATALOGUE.map((d) => {
    const example = exampleName(d);
    return {
      pattern: d.pattern,
      group: d.group,
      description: d.description,
      parameters: d.parameters.map((p) => ({ ...p })),
      fixed_parameters: { ...d.fixed },
      columns: [...d.columns],
      warmup_bars: d.warmupRule,
      example: { name: example, warmup_bars: parseFeature(example).warmup },
    };
  });
}
