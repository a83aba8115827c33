import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { CreateSweepDto, ListSweepsQuery, SweepAcceptedDto } from './dto/sweep.dto';
import { SweepsService } from './sweeps.service';

@ApiTags('sweeps')
@ApiProtected()
@Controller('api/v1/sweeps')
export class SweepsController {
  constructor(private readonly sweeps: SweepsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a hyperparameter sweep (trials are training jobs on the shared queue; poll the sweep)',
    description:
      "Each trial is the base train request with its parameters written in, trained as a child run of the sweep's parent run (tag mlflow.parentRunId) and judged on a validation metric only; " +
      'poor trials are stopped by the median rule. When the budget is spent, the best trial is trained once more, scored on the test part and registered as a version whose data_config names the sweep. ' +
      '422: an empty or infinite space, a test-part objective, a budget of 0, a value that makes an invalid train request.',
  })
  @ApiAcceptedResponse({ type: SweepAcceptedDto })
  create(@Body() body: CreateSweepDto): Promise<SweepAcceptedDto> {
    return this.sweeps.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'Sweeps, newest first' })
  @ApiOkResponse({ description: '{"sweeps":[…],"total","limit","offset"}' })
  list(@Query() query: ListSweepsQuery) {
    return this.sweeps.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One sweep: status (running | finalizing | succeeded | failed | cancelled), parent_run_id, trials (params, status, run_id, objective), best (model_id, version), eta_seconds',
  })
  @ApiOkResponse({ description: 'The sweep' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  get(@Param('id') id: string) {
    return this.sweeps.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a sweep: queued trials at once, running ones at their next batch' })
  @ApiAcceptedResponse({ description: 'The sweep (status cancelled)' })
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The sweep has already finished' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  cancel(@Param('id') id: string) {
    return this.sweeps.cancel(id);
  }
}
