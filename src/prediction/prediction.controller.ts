import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBody,
  ApiConflictResponse,
  ApiHeader,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { assertModelId } from '../models/artifacts';
import {
  BatchPredictionItemDto,
  PREDICT_REQUEST_EXAMPLES,
  PREDICTION_MODELS,
  PredictBatchResponseDto,
  PredictInstanceDto,
  PredictRequestDto,
  PredictResponseDto,
} from './dto/predict.dto';
import { type PredictMeta, PredictionService } from './prediction.service';

@ApiTags('prediction')
@ApiProtected()
@ApiExtraModels(
  ...PREDICTION_MODELS,
  PredictResponseDto,
  PredictBatchResponseDto,
  BatchPredictionItemDto,
  PredictInstanceDto,
)
@Controller('api/v1/models')
export class PredictionController {
  constructor(private readonly prediction: PredictionService) {}

  @Post(':model_id/predict')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Predict with a model: one window (the seed body), the latest window from stored bars, or a batch of windows',
    description:
      'Version: `version`, else the one deployed to `target`, else the one deployed (if exactly one), else the latest trained. ' +
      "Features must be exactly the model's, each at least its window long, all of one length, finite numbers only; the model's stored scaler is applied to the last `window` values (never re-fitted). " +
      'Without `features` the latest window is computed from stored market data with the training feature code. `instances` predicts many windows in one request. ' +
      'Concurrent requests for the same version are micro-batched into one forward pass.',
  })
  @ApiBody({ type: PredictRequestDto, examples: PREDICT_REQUEST_EXAMPLES })
  @ApiHeader({
    name: 'X-Request-Key',
    required: false,
    description:
      'Keys the canary split of a deployment target with a canary (as body `request_key`, which wins): the same key is always answered by the same version',
  })
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(PredictResponseDto) }, { $ref: getSchemaPath(PredictBatchResponseDto) }] },
    description: 'One window: PredictResponse; with `instances`: PredictBatchResponse',
    headers: {
      'X-Prediction-Engine': {
        description: 'The engine that computed the answer: onnxruntime or tfjs',
        schema: { type: 'string', enum: ['onnxruntime', 'tfjs'] },
      },
      'X-Model-Version': {
        description: 'The version that answered (through a target with a canary: the active version or the canary)',
        schema: { type: 'string', example: '1.0.0' },
      },
      'X-Model-Role': {
        description: 'Through a deployment target: active or canary (which of its versions answered)',
        schema: { type: 'string', enum: ['active', 'canary'] },
      },
    },
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'Unknown model, version or deployment target' })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description: 'The version cannot serve: still training, failed, cancelled or archived',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorEnvelope, description: 'More instances than PREDICTION_MAX_INSTANCES' })
  async predict(
    @Param('model_id') modelId: string,
    @Body() body: PredictRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('x-request-key') requestKey?: string,
  ) {
    assertModelId(modelId);
    const meta: PredictMeta = { requestKey };
    const result = await this.prediction.predict(modelId, body, meta);
    if (meta.engine) reply.header('X-Prediction-Engine', meta.engine);
    if (meta.version) reply.header('X-Model-Version', meta.version);
    if (meta.role) reply.header('X-Model-Role', meta.role);
    return result;
  }
}
