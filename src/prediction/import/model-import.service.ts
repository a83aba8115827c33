import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, DataValidationError, PayloadTooLargeError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { FeaturesService } from '../../features/features.service';
import { inspectOnnx, OnnxInspectionError, type OnnxInspection } from '../../ml/onnx';
import { isValidModelId, ModelArtifacts, slugify, type VersionContent } from '../../models/artifacts';
import { ModelsService } from '../../models/models.service';
import { ModelVersion } from '../../models/entities/model-version.entity';
import { resolveOnnxIo, OnnxSignatureMismatch, type OnnxIo } from '../engines/onnx-io';
import { OnnxRuntimeService } from '../engines/onnx-runtime.service';
import { probeWindows } from '../engines/select-engine';
import { parseImportSignature, type ImportSignature } from './import-signature';

export interface ImportRequest {
  model: { data: Buffer; filename: string | null };
  signature: string;
  name: string;
  modelId?: string;
  description?: string;
}

export interface ImportResult {
  model_id: string;
  version: string;
  status: string;
  model_type: string;
  engine: 'onnxruntime';
  onnx: {
    ir_version: number;
    opsets: Record<string, number>;
    producer: string;
    operators: Record<string, number>;
    input: string;
    output: string;
    bytes: number;
    sha256: string;
  };
  signature_checks: string[];
}

const invalid = (field: string, message: string, code = 'VALIDATION_FAILED', extra: Record<string, unknown> = {}) =>
  new DataValidationError(message, { ...extra, fields: [{ field, errors: [message] }] }, code);

/**
 * POST /api/v1/models/import: an ONNX model trained elsewhere becomes a version like any
 * trained one. Everything is checked before anything is stored — the file (inspect.ts), the
 * signature, ONNX Runtime creating a session from it, its input/output shapes against the
 * signature, and one forward pass giving finite numbers of the right count; then the version
 * row and its artifact are written together (the row in a transaction that rolls back if the
 * artifact cannot be written; the artifact removed again if the commit fails).
 */
@Injectable()
export class ModelImportService {
  private readonly logger = new Logger('ModelImport');

  constructor(
    private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly artifacts: ModelArtifacts,
    private readonly features: FeaturesService,
    private readonly runtime: OnnxRuntimeService,
    private readonly config: AppConfig,
  ) {}

  async import(req: ImportRequest): Promise<ImportResult> {
    const max = this.config.onnxImportMaxBytes;
    if (req.model.data.length > max)
      throw new PayloadTooLargeError(
        `The ONNX file is ${req.model.data.length} bytes; at most ${max} are accepted (ONNX_IMPORT_MAX_BYTES)`,
        { limit_bytes: max, given: req.model.data.length, limit_variable: 'ONNX_IMPORT_MAX_BYTES' },
      );
    const name = req.name.trim();
    if (!name || name.length > 200)
      throw invalid('name', "name is required: the model's display name (1–200 characters)");
    const modelId: string = req.modelId ?? slugify(name);
    if (!isValidModelId(modelId))
      throw invalid(
        req.modelId ? 'model_id' : 'name',
        `model id '${String(modelId).slice(0, 80)}' is not valid: 1–64 characters a-z, 0-9, _ or - (give model_id, or a name it can be derived from)`,
        'INVALID_MODEL_ID',
      );

    let parsed: unknown;
    try {
      parsed = JSON.parse(req.signature);
    } catch (e) {
      throw invalid('signature', `signature is not valid JSON (${(e as Error).message})`, 'INVALID_SIGNATURE');
    }
    const sig = parseImportSignature(parsed, (s) => this.features.canonicalSymbol(s));
    if (!sig.ok)
      throw new DataValidationError(
        `The signature has ${sig.problems.length} problem${sig.problems.length > 1 ? 's' : ''}: ${sig.problems.map((p) => `${p.field} ${p.errors[0]}`).join('; ')}`,
        { fields: sig.problems },
        'INVALID_SIGNATURE',
      );
    const signature = sig.value;

    let inspection: OnnxInspection;
    try {
      inspection = inspectOnnx(req.model.data);
    } catch (e) {
      if (e instanceof OnnxInspectionError) throw invalid('model', e.message, e.code, e.details);
      throw e;
    }
    const { io, checks } = await this.validateInRuntime(req.model.data, inspection, signature);

    const sha256 = createHash('sha256').update(req.model.data).digest('hex');
    const files: VersionContent = {
      network: { onnx: req.model.data },
      preprocessing: {
        ...signature.preprocessing,
        onnx: { input: io.input, output: io.output, input_shape: ['batch', ...io.windowDims] },
      },
      metrics: {
        metrics: {},
        baselines: {},
        history: null,
        note: 'imported ONNX model: trained and evaluated elsewhere',
      },
    };
    const dataConfig = {
      source: 'onnx_import',
      file: { name: req.model.filename, bytes: req.model.data.length, sha256 },
      onnx: {
        ir_version: inspection.irVersion,
        opsets: inspection.opsets,
        producer: inspection.producer,
        graph: inspection.graphName,
        operators: inspection.operators,
      },
    };
    let written: { modelId: string; version: string } | undefined;
    let version: ModelVersion;
    try {
      version = await this.dataSource.transaction(async (manager) => {
        const row = await this.models.reserveVersion(manager, {
          modelId,
          name,
          type: signature.modelType,
          description: req.description,
          version: {
            architecture: 'onnx',
            features: signature.features,
            target: signature.target,
            symbols: signature.symbols,
            timeframe: signature.timeframe,
            window: signature.window,
            horizon: signature.horizon,
            hyperparameters: {},
            data_config: dataConfig,
            backend: 'onnxruntime',
            description: req.description ?? null,
          },
        });
        const artifact = await this.artifacts.writeVersionArtifacts(modelId, row.version, files);
        written = { modelId, version: row.version };
        await this.models.updateVersion(
          modelId,
          row.version,
          {
            status: 'experimental',
            artifact_checksum: artifact.checksum,
            trained_at: new Date(),
            duration_ms: 0,
            error: null,
          },
          manager,
        );
        return row;
      });
    } catch (e) {
      // The row rolled back; an artifact written before a failed commit is removed again.
      if (written) await this.artifacts.removeVersion(written.modelId, written.version).catch(() => undefined);
      throw e;
    }
    this.logger.log(
      {
        model_id: modelId,
        version: version.version,
        bytes: req.model.data.length,
        operators: Object.keys(inspection.operators).length,
      },
      'imported an ONNX model',
    );
    return {
      model_id: modelId,
      version: version.version,
      status: 'experimental',
      model_type: signature.modelType,
      engine: 'onnxruntime',
      onnx: {
        ir_version: inspection.irVersion,
        opsets: inspection.opsets,
        producer: [inspection.producer.name, inspection.producer.version].filter(Boolean).join(' '),
        operators: inspection.operators,
        input: io.input,
        output: io.output,
        bytes: req.model.data.length,
        sha256,
      },
      signature_checks: checks,
    };
  }

  /** Session creation, shapes against the signature, and one forward pass; the session is dropped after. */
  private async validateInRuntime(
    bytes: Buffer,
    inspection: OnnxInspection,
    sig: ImportSignature,
  ): Promise<{ io: OnnxIo; checks: string[] }> {
    if (!this.runtime.available)
      throw new AppError(
        503,
        'ServiceUnavailableError',
        'ENGINE_UNAVAILABLE',
        'ONNX Runtime is not available in this process (onnxruntime-node is not installed); imported models cannot be served',
        null,
      );
    const pool = await this.runtime.get();
    const key = `import-check-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}-${Date.now()}`;
    const units =
      sig.modelType === 'classification'
        ? (sig.preprocessing.classes as string[]).length
        : sig.modelType === 'reinforcement_learning'
          ? (sig.preprocessing.actions as string[]).length
          : 1;
    let info;
    try {
      info = await pool.load(key, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      const message = (e as Error).message;
      const unsupported =
        /no op registered|not a registered|not (implemented|registered|supported)|could not find an implementation|unrecognized|opset|no kernel/i.test(
          message,
        );
      throw invalid(
        'model',
        `ONNX Runtime cannot load the model: ${message.slice(0, 600)}`,
        unsupported ? 'UNSUPPORTED_OPERATOR' : 'INVALID_ONNX',
        { operators: inspection.operators },
      );
    }
    try {
      const onnx = sig.preprocessing.onnx as { input: string | null; output: string | null };
      let io: OnnxIo;
      try {
        io = resolveOnnxIo(info, {
          window: sig.window,
          features: sig.features.length,
          units,
          input: onnx.input,
          output: onnx.output,
        });
      } catch (e) {
        if (e instanceof OnnxSignatureMismatch)
          throw invalid(e.field, `The model does not match its signature: ${e.message}`, 'SIGNATURE_MISMATCH', {
            inputs: info.inputs,
            outputs: info.outputs,
          });
        throw e;
      }
      const n = io.maxBatch ?? 2;
      const probe = probeWindows(n, sig.window * sig.features.length);
      let out: { data: Float32Array; dims: number[] };
      try {
        out = await pool.run(key, io.input, io.output, probe, [n, ...io.windowDims]);
      } catch (e) {
        throw invalid(
          'model',
          `The model failed on a test window of the signature's shape: ${(e as Error).message.slice(0, 600)}`,
          'SIGNATURE_MISMATCH',
        );
      }
      if (out.data.length !== n * units)
        throw invalid(
          'signature',
          `The model returned ${out.data.length / n} values per sample (output shape [${out.dims.join(', ')}]); the signature expects ${units}`,
          'SIGNATURE_MISMATCH',
        );
      if (!out.data.every(Number.isFinite))
        throw invalid('model', 'The model returned non-finite values on a test window', 'SIGNATURE_MISMATCH');
      return {
        io,
        checks: [
          `input '${io.input}' takes [batch, ${io.windowDims.join(', ')}]: ${sig.window} × ${sig.features.length} features`,
          `output '${io.output}' gives ${units} value${units > 1 ? 's' : ''} per sample`,
          `ONNX Runtime ran a test batch of ${n}`,
        ],
      };
    } finally {
      pool.unload(key);
    }
  }
}
