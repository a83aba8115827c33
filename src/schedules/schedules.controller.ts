import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import {
  CREATE_SCHEDULE_EXAMPLES,
  CreateScheduleDto,
  ScheduleDto,
  ScheduleListDto,
  ScheduleRunAcceptedDto,
  UpdateScheduleDto,
} from './dto/schedule.dto';
import { SchedulesService } from './schedules.service';

const MODEL_ID = { name: 'model_id', example: 'lstm_price_predictor' };
const SCHEDULE_ID = { name: 'id', example: '5d0c9a52-1f7e-4a53-9a3e-0f1b2c3d4e5f' };

@ApiTags('schedules')
@ApiProtected()
@Controller('api/v1')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post('models/:model_id/schedules')
  @HttpCode(201)
  @ApiOperation({
    summary: "Schedule retraining of a model (cron + time zone, through pg-boss's scheduling)",
    description:
      "Each occurrence trains the base request (defaults: the model's latest trained version) on the window ending at the latest stored bar, registers a new version whose data_config.schedule_id names the schedule, and with deploy_if_better replaces the active deployment where the new version is better on validation, or with shadow deploys it as the shadow challenger of each active deployment (the run records where; without one, that it was skipped). " +
      'A run while the previous one is still queued or running is skipped (recorded with the reason). 422: invalid cron, unknown time zone, bad window, an archived model, a base that cannot train.',
  })
  @ApiParam(MODEL_ID)
  @ApiBody({ type: CreateScheduleDto, examples: CREATE_SCHEDULE_EXAMPLES })
  @ApiCreatedResponse({ type: ScheduleDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'The model does not exist' })
  create(@Param('model_id') modelId: string, @Body() body: CreateScheduleDto): Promise<ScheduleDto> {
    return this.schedules.create(modelId, body);
  }

  @Get('models/:model_id/schedules')
  @ApiOperation({ summary: "The model's retraining schedules, each with its next run time and last runs" })
  @ApiParam(MODEL_ID)
  @ApiOkResponse({ type: ScheduleListDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  list(@Param('model_id') modelId: string): Promise<ScheduleListDto> {
    return this.schedules.list(modelId);
  }

  @Get('schedules/:id')
  @ApiOperation({
    summary:
      'One schedule: cron, time zone, window, base request, next_run_at, last runs (job, outcome, version or skip reason)',
  })
  @ApiParam(SCHEDULE_ID)
  @ApiOkResponse({ type: ScheduleDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  get(@Param('id') id: string): Promise<ScheduleDto> {
    return this.schedules.get(id);
  }

  @Patch('schedules/:id')
  @ApiOperation({ summary: 'Pause ({"paused": true}) or resume ({"paused": false}) a schedule' })
  @ApiParam(SCHEDULE_ID)
  @ApiOkResponse({ type: ScheduleDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  update(@Param('id') id: string, @Body() body: UpdateScheduleDto): Promise<ScheduleDto> {
    return this.schedules.update(id, body);
  }

  @Post('schedules/:id/run')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a schedule now: 202 with the training job (GET /api/v1/training/jobs/{job_id})' })
  @ApiParam(SCHEDULE_ID)
  @ApiAcceptedResponse({ type: ScheduleRunAcceptedDto })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description: 'The previous run is still queued or running (SCHEDULE_RUN_IN_PROGRESS), or the model is archived',
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  run(@Param('id') id: string): Promise<ScheduleRunAcceptedDto> {
    return this.schedules.runNow(id);
  }

  @Delete('schedules/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a schedule and its run history (a training job already queued finishes as an ordinary version)',
  })
  @ApiParam(SCHEDULE_ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  async remove(@Param('id') id: string): Promise<void> {
    await this.schedules.remove(id);
  }
}
