import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { ExperimentsService } from './experiments.service';

@ApiTags('experiments')
@ApiProtected()
@Controller('api/v1')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Get('experiments')
  @ApiOperation({ summary: 'Experiments with their run counts' })
  @ApiOkResponse({ description: '{"experiments":[{"id","name","run_count","created_at",…}]}' })
  list() {
    return this.experiments.listExperiments();
  }

  @Get('experiments/:id/runs')
  @ApiOperation({ summary: "An experiment's runs, newest first: params, final metrics, tags, status, start and end" })
  @ApiOkResponse({ description: '{"runs":[…]}' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  runs(@Param('id') id: string) {
    return this.experiments.listRuns(id);
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One run with its per-epoch metric history and artifact list' })
  @ApiOkResponse({ description: 'The run, with metric_history: {key: [{step, value, timestamp}]}' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  run(@Param('id') id: string) {
    return this.experiments.getRun(id);
  }
}
