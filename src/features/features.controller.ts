import { Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import {
  FeatureValuesQuery,
  FeatureValuesResponse,
  SelectFeaturesBody,
  SelectFeaturesResponse,
} from './dto/features.dto';
import { FeaturesService } from './features.service';

@ApiTags('features')
@ApiProtected()
@Controller('api/v1/features')
export class FeaturesController {
  constructor(private readonly features: FeaturesService) {}

  @Get()
  @ApiOperation({
    summary: 'The feature catalogue: name patterns, parameters, columns needed, warm-up bars, descriptions',
  })
  @ApiOkResponse({
    description: 'Catalogue entries',
    schema: { type: 'object', properties: { features: { type: 'array', items: { type: 'object' } } } },
  })
  catalogue() {
    return { features: this.features.catalogue() };
  }

  @Get('values')
  // Computed answers arrive as finished JSON bytes from a compute thread.
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({
    summary: 'Computed feature values per timestamp (warm-up rows null): exactly what a model sees, before scaling',
    description:
      "Computed on a worker thread over the requested page plus the bars its values depend on. The work is bounded: (rows + warm-up bars) × the features' summed cost must stay within FEATURE_VALUES_MAX_CELLS — an explicit `limit` above it is a 422 WORK_LIMIT naming the largest limit that fits; without `limit` the page shrinks to fit (next_start continues). 503 COMPUTE_BUSY (Retry-After) when every compute thread is busy and the wait queue is full.",
  })
  @ApiOkResponse({ type: FeatureValuesResponse })
  @ApiUnprocessableEntityResponse({
    type: ErrorEnvelope,
    description: 'unknown feature, missing column, or WORK_LIMIT',
  })
  @ApiBadGatewayResponse({
    type: ErrorEnvelope,
    description: 'feature_source=feature_store: the store answered with something unusable',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorEnvelope,
    description:
      'COMPUTE_BUSY: every compute thread busy and the queue full; or feature_source=feature_store: the store is down or too slow',
  })
  values(@Query() query: FeatureValuesQuery): Promise<FeatureValuesResponse | Buffer> {
    return this.features.values(query);
  }

  @Post('select')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Automated feature selection: rank candidates by mutual information and |rank correlation| with the target on the training part only, mark redundant ones, suggest K',
  })
  @ApiOkResponse({ type: SelectFeaturesResponse })
  select(@Body() body: SelectFeaturesBody): Promise<SelectFeaturesResponse> {
    return this.features.select(body);
  }
}
