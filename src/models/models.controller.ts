import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'All models in the seed shape (the deployed version of each, else its latest; the latest beside it), with filters and pagination' })
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
  @ApiOperation({ summary: 'One version: metrics beside baselines, data configuration and fingerprint, hyperparameters, backend, artifact checksum' })
  @ApiOkResponse({ description: 'The version' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  async version(@Param('model_id') id: string, @Param('version') version: string) {
    assertModelId(id);
    assertVersion(version);
    return this.models.versionView(await this.models.getVersion(id, version));
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
