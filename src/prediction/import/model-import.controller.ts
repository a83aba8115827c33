import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiConflictResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { AppError, DataValidationError } from '../../common/errors/app-error';
import { ErrorEnvelope } from '../../common/errors/error-envelope';
import { ApiProtected } from '../../common/http/api-docs.decorators';
import { AppConfig } from '../../config/app-config';
import { ModelImportService } from './model-import.service';
import { multipartBoundary, parseMultipart, readLimited } from './multipart';

const FIELDS = new Set(['model', 'signature', 'name', 'model_id', 'description']);
/** Room for the signature and the other fields beside the file. */
const FORM_OVERHEAD_BYTES = 4 * 1024 * 1024;

@ApiTags('models')
@ApiProtected()
@Controller('api/v1/models')
export class ModelImportController {
  constructor(
    private readonly imports: ModelImportService,
    private readonly config: AppConfig,
  ) {}

  @Post('import')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Import an ONNX model trained elsewhere (LightGBM, scikit-learn, PyTorch…) as a new version, served like a trained one',
    description:
      "multipart/form-data with `model` (the .onnx file, self-contained, ai.onnx opset 7–22 and ai.onnx.ml 1–5), `signature` (JSON, the same shape as a version's `signature`: " +
      'model_type, features (the input columns in order), window (1 for one row of features), timeframe, symbols, target, horizon, scaler (null: the graph takes raw values), ' +
      'target_scaler, classes / threshold / actions, training_histograms for drift monitoring, onnx.input / onnx.output to pick among several) and `name` (optionally `model_id`, `description`). ' +
      'The input takes [batch, window, features] or [batch, window × features] (the window flattened bar by bar); the output [batch, units] or [batch]. ' +
      'Everything is checked before anything is stored: 422 for a file that is not ONNX, an unsupported IR version, opset or operator, external-data tensors, ' +
      'input/output shapes that do not match the signature or a failing test forward pass; 413 over ONNX_IMPORT_MAX_BYTES.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['model', 'signature', 'name'],
      properties: {
        model: { type: 'string', format: 'binary', description: 'The .onnx file' },
        signature: {
          type: 'string',
          description: 'JSON signature',
          example:
            '{"model_type":"time_series","features":["returns_1","rsi_14"],"window":1,"timeframe":"1h","target":"price_change_1h","horizon":1,"scaler":null}',
        },
        name: { type: 'string', example: 'LightGBM EUR/USD 1h' },
        model_id: { type: 'string', example: 'lgbm_eurusd_1h' },
        description: { type: 'string' },
      },
    },
  })
  @ApiCreatedResponse({
    description: 'The registered version: {model_id, version, status, model_type, engine, onnx, signature_checks}',
  })
  @ApiUnprocessableEntityResponse({
    type: ErrorEnvelope,
    description: 'Not ONNX, unsupported opset/operator, external data, or a model that does not match its signature',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorEnvelope, description: 'Over ONNX_IMPORT_MAX_BYTES' })
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The model exists with another model type, or is archived' })
  async import(@Req() request: FastifyRequest) {
    const boundary = multipartBoundary(request.headers['content-type']);
    if (!boundary || !(request.body instanceof Readable)) {
      throw new AppError(
        415,
        'BadRequestError',
        'UNSUPPORTED_MEDIA_TYPE',
        'Send multipart/form-data with the fields model (the .onnx file), signature (JSON) and name, e.g. curl -F model=@model.onnx -F signature=@signature.json -F name=…',
        null,
      );
    }
    const body = await readLimited(
      request.body,
      this.config.onnxImportMaxBytes + FORM_OVERHEAD_BYTES,
      'ONNX_IMPORT_MAX_BYTES',
    );
    const parts = parseMultipart(body, boundary);
    const fields = new Map<string, (typeof parts)[number]>();
    for (const p of parts) {
      if (!FIELDS.has(p.name))
        throw field(
          p.name.slice(0, 64),
          `unknown field '${p.name.slice(0, 64)}'; the form has model, signature, name, model_id and description`,
        );
      if (fields.has(p.name)) throw field(p.name, `field ${p.name} is given twice`);
      fields.set(p.name, p);
    }
    const model = fields.get('model');
    if (!model || model.data.length === 0) throw field('model', 'model is required: the .onnx file as a file field');
    const signature = fields.get('signature');
    if (!signature)
      throw field('signature', "signature is required: the JSON that describes the model's inputs and outputs");
    const name = fields.get('name');
    if (!name) throw field('name', 'name is required');
    const text = (f: string) => fields.get(f)?.data.toString('utf8');
    return this.imports.import({
      model: { data: model.data, filename: model.filename },
      signature: signature.data.toString('utf8'),
      name: name.data.toString('utf8'),
      modelId: text('model_id')?.trim() || undefined,
      description: text('description'),
    });
  }
}

function field(name: string, message: string): DataValidationError {
  return new DataValidationError(message, { fields: [{ field: name, errors: [message] }] });
}
