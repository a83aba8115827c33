import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../../common/errors/error-envelope';
import { ApiProtected } from '../../common/http/api-docs.decorators';
import {
  PerformanceQuery,
  PerformanceReportDto,
  PerformanceSeriesDto,
  PerformanceSeriesQuery,
} from './performance.dto';
import { PerformanceService } from './performance.service';

@ApiTags('deployment')
@ApiProtected()
@Controller('api/v1')
export class PerformanceController {
  constructor(private readonly performance: PerformanceService) {}

  @Get('deployments/:id/performance')
  @ApiOperation({
    summary:
      'Realised live performance: the predictions served through the deployment, scored against what the market did, beside the version’s backtest figures',
    description:
      'Every prediction of a window built from stored bars (`as_of`) served through the deployment is kept (one per bar and version: a repeated request for the same bar counts once) and scored once the bar its horizon reads is imported or resampled. ' +
      'Reading scores whatever has realised first, so the figures are current. Decay test: `degraded` when the upper end of the live IC’s 95 % interval lies below the backtest IC; the deployment’s performance_status follows, ' +
      'the gauge deployment_performance_degraded changes and the target’s notification URL gets a `degraded` (later `recovered`) event, once per transition. Predictions sent as `features` have no bar and are not scored.',
  })
  @ApiOkResponse({ type: PerformanceReportDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'No such deployment (DEPLOYMENT_NOT_FOUND)' })
  @ApiUnprocessableEntityResponse({ type: ErrorEnvelope, description: 'window is not all, 1d, 7d, 30d or last_n:N' })
  report(@Param('id') id: string, @Query() query: PerformanceQuery): Promise<PerformanceReportDto> {
    return this.performance.report(id, query.window);
  }

  @Get('deployments/:id/performance/series')
  @ApiOperation({
    summary: 'Realised live performance over calendar time: per version, its scored predictions by day, week or month',
    description:
      'The same statistics as GET …/performance, over the predictions whose bar falls in each UTC day, ISO week or month (buckets without scored predictions are left out), with the PnL compounded across buckets, beside the version’s backtest figures. ' +
      'The dashboard’s deployment page draws it: live IC per bucket against the backtest IC, and the compounded PnL of the active version against its challenger.',
  })
  @ApiOkResponse({ type: PerformanceSeriesDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'No such deployment (DEPLOYMENT_NOT_FOUND)' })
  @ApiUnprocessableEntityResponse({ type: ErrorEnvelope, description: 'bucket is not day, week or month' })
  series(@Param('id') id: string, @Query() query: PerformanceSeriesQuery): Promise<PerformanceSeriesDto> {
    return this.performance.series(id, query.bucket ?? 'day');
  }
}
