import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { ListJobsQuery } from './dto/jobs.dto';
import { TRAIN_REQUEST_EXAMPLES, TrainAcceptedDto, TrainRequestDto } from './dto/train-request.dto';
import { TrainingService } from './training.service';

@ApiTags('training')
@ApiProtected()
@Controller('api/v1')
export class TrainingController {
  constructor(private readonly training: TrainingService) {}

  @Post('models/train')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Train a new model or the next version of an existing one (queued; poll the job)',
    description:
      'Everything knowable before training is checked first (features, target, data range and amount, hyperparameter ranges, memory estimate) → 422. ' +
      'The model id defaults to a slug of the name; training it again creates its next version (1.0.0, 1.1.0, …).',
  })
  @ApiBody({ type: TrainRequestDto, examples: TRAIN_REQUEST_EXAMPLES })
  @ApiAcceptedResponse({ type: TrainAcceptedDto })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description: 'The model id exists with another model type, or is archived',
  })
  train(@Body() body: TrainRequestDto): Promise<TrainAcceptedDto> {
    return this.training.submit(body);
  }

  @Get('training/jobs')
  @ApiOperation({ summary: 'Training jobs, newest first, with filters and pagination' })
  @ApiOkResponse({ description: '{"jobs":[…],"total","limit","offset"}' })
  list(@Query() query: ListJobsQuery) {
    return this.training.list(query);
  }

  @Get('training/jobs/:id')
  @ApiOperation({
    summary:
      'One job: status (queued | running | succeeded | failed | cancelled), progress, backend, attempts, note, error',
    description:
      "progress counts in the job kind's unit (progress.unit): epoch/epochs with loss and val_loss for networks, episode/episodes with train_reward and val_return for agents, scored/candidates for a feature selection; progress.phase follows the job (queued, building dataset, training or scoring candidates, saving artifacts, done, cancelled, failed). " +
      'A retried job shows attempts and a note saying why (a retry is not an error); error is only why a job failed. ' +
      'A walk-forward job counts progress.folds_done of progress.folds and lists its folds, each a queue job of its own, as fold_jobs.',
  })
  @ApiOkResponse({ description: 'The job' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  get(@Param('id') id: string) {
    return this.training.get(id);
  }

  @Post('training/jobs/:id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a job: a queued one at once, a running one at its next batch' })
  @ApiAcceptedResponse({ description: 'The job (status cancelled, or cancel_requested while it stops)' })
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The job has already finished' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  cancel(@Param('id') id: string) {
    return this.training.cancel(id);
  }
}
