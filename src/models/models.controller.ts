import { Controller, Delete, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { assertModelId, assertVersion } from './artifacts';
import { ListModelsQuery, ModelListDto } from './dto/models.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@ApiProtected()
@Controller('api/v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({
    summary:
      'All models in the seed shape (the deployed version of each, else its latest; the latest beside it), with filters and pagination',
  })
  @ApiOkResponse({ type: ModelListDto })
  list(@Query() query: ListModelsQuery): Promise<ModelListDto> {
    return this.models.list(query);
  }

  @Get(':model_id')
  @ApiOperation({ summary: 'One model with everything about its latest version and the list of its versions' })
  @ApiOkResponse({ description: 'The model' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  get(@Param('model_id') id: string) {
    assertModelId(id);
    return this.models.describe(id);
  }

  @Get(':model_id/versions/:version')
  @ApiOperation({
    summary:
      'One version: metrics beside baselines, data configuration and fingerprint, hyperparameters, backend, artifact checksum, its files, its signature, and the engine serving it',
    description:
      '`signature`: model type, features, window, timeframe, target, horizon, classes / threshold / actions, scaler and target_scaler (outside the ONNX graph), training histograms, and how to feed model.onnx — the JSON POST /api/v1/models/import accepts. ' +
      '`serving`: the engine this process serves the version with (onnxruntime or tfjs), why, and the measured latencies — null until the version is loaded.',
  })
  @ApiOkResponse({ description: 'The version' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  async version(@Param('model_id') id: string, @Param('version') version: string) {
    assertModelId(id);
    assertVersion(version);
    return this.models.versionDetail(await this.models.getVersion(id, version));
  }

  @Get(':model_id/versions/:version/model.onnx')
  @ApiOperation({
    summary:
      'The version as an ONNX file (opset 18): input `window` [batch, window, features] scaled as the signature says, output `output`',
    description:
      'Verified against the artifact manifest before it is sent; X-Checksum-SHA256 carries its sha256. 404 ONNX_NOT_AVAILABLE for a version without one (trained before ONNX export, still training, failed); 409 ONNX_EXPORT_UNSUPPORTED, with the reason, for a version whose architecture has no ONNX export (e.g. tcn: tfjs serves it).',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The .onnx file', schema: { type: 'string', format: 'binary' } })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description: 'ONNX_EXPORT_UNSUPPORTED: the architecture has no ONNX export',
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  async onnx(
    @Param('model_id') id: string,
    @Param('version') version: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertModelId(id);
    assertVersion(version);
    const file = await this.models.onnxFile(id, version);
    reply.header('Content-Type', 'application/octet-stream');
    reply.header('Content-Disposition', `attachment; filename="${id}-${version}.onnx"`);
    reply.header('X-Checksum-SHA256', file.sha256);
    return file.data;
  }

  @Get(':model_id/versions/:version/predictions')
  @ApiOperation({
    summary:
      'The validation and test predictions of a version as CSV, beside the realised values, so every reported test metric can be recomputed',
    description:
      'Header `timestamp,symbol,part,prediction,realised` (part: `validation` or `test`; rows in the order the metrics were computed). ' +
      'Classification versions add `realised_return` (the H-bar simple return the backtest trades) and `p_<class>` probabilities; `prediction` and `realised` are then class names. ' +
      'Numbers are written in shortest round-trip form (each parses back to the exact value scored). 404 PREDICTIONS_NOT_FOUND for a version without stored predictions.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'CSV',
    schema: {
      type: 'string',
      example: 'timestamp,symbol,part,prediction,realised\n2008-01-02T00:00:00.000Z,EUR/USD,test,0.00012,-0.0031\n',
    },
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  async predictions(@Param('model_id') id: string, @Param('version') version: string): Promise<StreamableFile> {
    assertModelId(id);
    assertVersion(version);
    const csv = await this.models.predictionsCsv(id, version);
    return new StreamableFile(csv, {
      type: 'text/csv; charset=utf-8',
      length: csv.length,
      disposition: `attachment; filename="${id}-${version}-predictions.csv"`,
    });
  }

  @Delete(':model_id')
  @ApiOperation({ summary: 'Archive a model (its history is kept); 409 while a version is deployed or training' })
  @ApiOkResponse({ description: '{"id","archived":true}' })
  @ApiConflictResponse({ type: ErrorEnvelope })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  archive(@Param('model_id') id: string) {
    assertModelId(id);
    return this.models.archive(id);
  }
}
