import type { EntityManager } from 'typeorm';
import { ModelVersion, type VersionStatus } from '../entities/model-version.entity';
import type { HistoryRecord } from '../history/history.sql';
import type { SpanTrials, TrialRecord } from '../trials/trials.sql';
import { compareVersions } from '../version-numbers';
import { ModelsRepository, type RegistryTx } from './models.repository';
import type {
  AliasRow,
  HistoryFilter,
  HistoryRow,
  ModelListFilter,
  ModelListRow,
  ModelRow,
  NewModelRow,
  NewVersionRow,
  VersionFields,
} from './registry-rows';

interface State {
  models: Map<string, ModelRow>;
  versions: ModelVersion[];
  aliases: AliasRow[];
  history: Array<HistoryRow & { model_id: string }>;
  trials: Array<TrialRecord & { seq: number }>;
}

/**
 * The registry in memory, for unit tests of the services: the same rules as the SQL (one
 * version per number, aliases unique per model, a transaction rolls back when its work
 * throws). Locks are no-ops: one test runs one request at a time. Every clock reading comes
 * from `now`, so tests need not wait.
 */
export class InMemoryModelsRepository extends ModelsRepository implements RegistryTx {
  private state: State = { models: new Map(), versions: [], aliases: [], history: [], trials: [] };
  private seq = 0;
  private uuid = 0;

  /** `now`: the clock (default: one second per write from 2026-01-01, so order never ties). */
  constructor(private readonly now?: () => Date) {
    super();
  }

  transaction<T>(work: (tx: RegistryTx) => Promise<T>): Promise<T> {
    const before = structuredClone(this.state);
    return work(this).catch((e: unknown) => {
      this.state = before;
      throw e;
    });
  }

  within(_manager: EntityManager): RegistryTx {
    return this;
  }

  direct(): RegistryTx {
    return this;
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────

  listModels(f: ModelListFilter): Promise<{ total: number; rows: ModelListRow[] }> {
    const rows: ModelListRow[] = [];
    for (const m of this.state.models.values()) {
      const versions = this.sorted(m.id);
      if (versions.length === 0) continue;
      const deployed = versions.filter((v) => v.status === 'deployed');
      const shown = deployed[0] ?? versions[0];
      if (f.type && m.type !== f.type) continue;
      if (f.name && !m.name.toLowerCase().includes(f.name.toLowerCase())) continue;
      if (f.status ? shown.status !== f.status : shown.status === 'archived') continue;
      rows.push({
        id: m.id,
        name: m.name,
        type: m.type,
        version: shown.version,
        status: shown.status,
        created_at: shown.created_at,
        metrics: shown.metrics,
        latest_version: versions[0].version,
        latest_status: versions[0].status,
        deployed_versions: deployed.length ? deployed.map((v) => v.version) : null,
      });
    }
    rows.sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || a.id.localeCompare(b.id));
    return Promise.resolve({ total: rows.length, rows: rows.slice(f.offset, f.offset + f.limit) });
  }

  findModel(id: string, _forUpdate = false): Promise<ModelRow | null> {
    const m = this.state.models.get(id);
    return Promise.resolve(m ? { ...m } : null);
  }

  versionsOf(modelId: string): Promise<ModelVersion[]> {
    return Promise.resolve(this.state.versions.filter((v) => v.model_id === modelId).map((v) => ({ ...v })));
  }

  findVersion(modelId: string, version: string): Promise<ModelVersion | null> {
    const v = this.version(modelId, version);
    return Promise.resolve(v ? { ...v } : null);
  }

  aliasesOf(modelId: string): Promise<AliasRow[]> {
    return Promise.resolve(
      this.state.aliases
        .filter((a) => a.model_id === modelId)
        .sort((a, b) => (a.alias < b.alias ? -1 : 1))
        .map((a) => ({ ...a })),
    );
  }

  aliasTarget(modelId: string, alias: string): Promise<string | null> {
    return Promise.resolve(this.alias(modelId, alias)?.version ?? null);
  }

  trialsBySpan(keys: string[]): Promise<Map<string, SpanTrials>> {
    const out = new Map<string, SpanTrials>();
    for (const key of new Set(keys)) {
      const trials = this.state.trials.filter((t) => t.span_key === key).sort((a, b) => a.seq - b.seq);
      if (trials.length)
        out.set(key, {
          count: trials.length,
          sharpes: trials.map((t) => t.sharpe).filter((s): s is number => typeof s === 'number' && Number.isFinite(s)),
        });
    }
    return Promise.resolve(out);
  }

  history(modelId: string, f: HistoryFilter): Promise<{ total: number; rows: HistoryRow[] }> {
    const rows = this.state.history
      .filter((h) => h.model_id === modelId)
      .filter((h) => (!f.event || h.event === f.event) && (!f.alias || h.alias === f.alias))
      .sort((a, b) => b.id - a.id)
      .map(({ model_id: _model, ...row }) => row);
    return Promise.resolve({ total: rows.length, rows: rows.slice(f.offset, f.offset + f.limit) });
  }

  // ── writes (RegistryTx) ──────────────────────────────────────────────────────────────

  insertModelIfAbsent(r: NewModelRow): Promise<void> {
    if (!this.state.models.has(r.id)) {
      const at = this.tick();
      this.state.models.set(r.id, { ...r, archived_at: null, created_at: at, updated_at: at });
    }
    return Promise.resolve();
  }

  touchModel(id: string, name: string, description: string | null): Promise<void> {
    const m = this.state.models.get(id);
    if (m) Object.assign(m, { name, description: description ?? m.description, updated_at: this.tick() });
    return Promise.resolve();
  }

  archiveModel(id: string): Promise<void> {
    const m = this.state.models.get(id);
    if (m) Object.assign(m, { archived_at: this.tick(), updated_at: this.tick() });
    for (const v of this.state.versions) if (v.model_id === id && v.status === 'experimental') v.status = 'archived';
    return Promise.resolve();
  }

  versionNumbers(modelId: string): Promise<string[]> {
    return Promise.resolve(this.state.versions.filter((v) => v.model_id === modelId).map((v) => v.version));
  }

  insertVersion(row: NewVersionRow): Promise<ModelVersion> {
    if (!this.state.models.has(row.model_id)) throw new Error(`foreign key: no model ${row.model_id}`);
    if (this.version(row.model_id, row.version)) throw new Error(`unique: ${row.model_id}@${row.version}`);
    const v = Object.assign(new ModelVersion(), {
      architecture: null,
      metrics: {},
      baselines: {},
      splits: null,
      walk_forward: null,
      significance: null,
      features: [],
      symbols: [],
      horizon: null,
      hyperparameters: {},
      data_config: {},
      data_fingerprint: null,
      backend: null,
      backend_details: null,
      duration_ms: null,
      artifact_checksum: null,
      job_id: null,
      run_id: null,
      error: null,
      description: null,
      trained_at: null,
      ...row,
      id: `00000000-0000-4000-8000-${String(++this.uuid).padStart(12, '0')}`,
      created_at: this.tick(),
    } satisfies Partial<ModelVersion>);
    this.state.versions.push(v);
    return Promise.resolve({ ...v });
  }

  updateVersion(modelId: string, version: string, fields: VersionFields): Promise<void> {
    const v = this.version(modelId, version);
    if (v) Object.assign(v, fields);
    return Promise.resolve();
  }

  versionStatus(modelId: string, version: string): Promise<VersionStatus | null> {
    return Promise.resolve(this.version(modelId, version)?.status ?? null);
  }

  versionsWithStatus(modelId: string, statuses: readonly VersionStatus[]): Promise<string[]> {
    return Promise.resolve(
      this.state.versions.filter((v) => v.model_id === modelId && statuses.includes(v.status)).map((v) => v.version),
    );
  }

  findAlias(modelId: string, alias: string): Promise<AliasRow | null> {
    const a = this.alias(modelId, alias);
    return Promise.resolve(a ? { ...a } : null);
  }

  countAliases(modelId: string): Promise<number> {
    return Promise.resolve(this.state.aliases.filter((a) => a.model_id === modelId).length);
  }

  insertAlias(modelId: string, alias: string, version: string): Promise<AliasRow> {
    if (this.alias(modelId, alias)) throw new Error(`unique: alias ${modelId}@${alias}`);
    const at = this.tick();
    const row = { model_id: modelId, alias, version, created_at: at, updated_at: at };
    this.state.aliases.push(row);
    return Promise.resolve({ ...row });
  }

  moveAlias(modelId: string, alias: string, version: string): Promise<AliasRow> {
    const row = this.alias(modelId, alias);
    if (!row) throw new Error(`no alias ${modelId}@${alias} to move`);
    Object.assign(row, { version, updated_at: this.tick() });
    return Promise.resolve({ ...row });
  }

  deleteAlias(modelId: string, alias: string): Promise<AliasRow | null> {
    const row = this.alias(modelId, alias);
    this.state.aliases = this.state.aliases.filter((a) => a !== row);
    return Promise.resolve(row ?? null);
  }

  deleteAliases(modelId: string): Promise<AliasRow[]> {
    const gone = this.state.aliases.filter((a) => a.model_id === modelId);
    this.state.aliases = this.state.aliases.filter((a) => a.model_id !== modelId);
    return Promise.resolve(gone);
  }

  recordHistory(r: HistoryRecord): Promise<void> {
    const id = this.state.history.length + 1;
    this.state.history.push({
      id,
      model_id: r.model_id,
      event: r.event,
      alias: r.alias ?? null,
      version: r.version ?? null,
      previous_version: r.previous_version ?? null,
      reason: r.reason ?? null,
      created_at: this.tick(),
    });
    return Promise.resolve();
  }

  recordTrial(t: TrialRecord): Promise<void> {
    const dup = this.state.trials.some(
      (x) => x.span_key === t.span_key && x.model_id === t.model_id && x.version === t.version,
    );
    if (!dup) this.state.trials.push({ ...t, seq: ++this.seq });
    return Promise.resolve();
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────

  private version(modelId: string, version: string): ModelVersion | undefined {
    return this.state.versions.find((v) => v.model_id === modelId && v.version === version);
  }

  private alias(modelId: string, alias: string): AliasRow | undefined {
    return this.state.aliases.find((a) => a.model_id === modelId && a.alias === alias);
  }

  private sorted(modelId: string): ModelVersion[] {
    return this.state.versions
      .filter((v) => v.model_id === modelId)
      .sort((a, b) => compareVersions(b.version, a.version));
  }

  /** A strictly increasing clock, so "newest first" is well defined without waiting. */
  private tick(): Date {
    this.seq += 1;
    return this.now ? this.now() : new Date(Date.UTC(2026, 0, 1) + 1000 * this.seq);
  }
}
