import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { FeatureValuesQuery, FeatureValuesResponse, SelectFeaturesBody, SelectFeaturesResponse } from './dto/features.dto';
import { FeaturesService } from './features.service';

@ApiTags('features')
@ApiProtected()
@Controller('api/v1/features')
export class FeaturesController {
  constructor(private readonly features: FeaturesService) {}

  @Get()
  @ApiOperation({ summary: 'The feature catalogue: name patterns, parameters, columns needed, warm-up bars, descriptions' })
  @ApiOkResponse({ description: 'Catalogue entries', schema: { type: 'object', properties: { features: { type: 'array', items: { type: 'object' } } } } })
  catalogue() {
    return { features: this.features.catalogue() };
  }

  @Get('values')
  @ApiOperation({ summary: 'Computed feature values per timestamp (warm-up rows null): exactly what a model sees, before scaling' })
  @ApiOkResponse({ type: FeatureValuesResponse })
  @ApiBadGatewayResponse({ type: ErrorEnvelope, description: 'feature_source=feature_store: the store answered with something unusable' })
  @ApiServiceUnavailableResponse({ type: ErrorEnvelope, description: 'feature_source=feature_store: the store is down or too slow' })
  values(@Query() query: FeatureValuesQuery): Promise<FeatureValuesResponse> {
    return this.features.values(query);
  }

  @Post('select')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Automated feature selection: rank candidates by mutual information and |rank correlation| with the target on the training part only, mark redundant ones, suggest K',
  })
  @ApiOkResponse({ type: SelectFeaturesResponse })
  select(@Body() body: SelectFeaturesBody): Promise<SelectFeaturesResponse> {
    return this.features.select(body);
  }
}
