import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import {
  CompareQuery,
  CreateExperimentBody,
  CreateRunBody,
  ExperimentListDto,
  FinishRunBody,
  ListExperimentsQuery,
  ListRunsQuery,
  LogMetricsBody,
  LogParamsBody,
  MetricHistoryQuery,
  SetTagsBody,
  UpdateExperimentBody,
  UpdateRunBody,
} from './dto/experiments.dto';
import { ExperimentsService } from './experiments.service';

@ApiTags('experiments')
@ApiProtected()
@Controller('api/v1')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Get('experiments')
  @ApiOperation({
    summary: 'Experiments with their run counts (active ones unless lifecycle=archived|all), oldest first, paginated',
    description:
      'Paginated like every list route: `limit` (default 50, at most 500) and `offset`; `total` counts every match. Page on with offset += limit while offset < total.',
  })
  @ApiOkResponse({ type: ExperimentListDto })
  list(@Query() q: ListExperimentsQuery): Promise<ExperimentListDto> {
    return this.experiments.listExperiments(q.lifecycle === 'archived' ? 'deleted' : (q.lifecycle ?? 'active'), {
      limit: q.limit,
      offset: q.offset,
    }) as Promise<ExperimentListDto>;
  }

  @Post('experiments')
  @ApiOperation({ summary: 'Create an experiment (409 when the name is taken)' })
  @ApiCreatedResponse({ description: 'The experiment' })
  @ApiConflictResponse({ type: ErrorEnvelope })
  create(@Body() body: CreateExperimentBody) {
    return this.experiments.createExperiment(body.name, body.tags);
  }

  @Get('experiments/:id')
  @ApiOperation({ summary: 'One experiment with its run count' })
  @ApiOkResponse({ description: 'The experiment' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  get(@Param('id') id: string) {
    return this.experiments.getExperimentView(id);
  }

  @Patch('experiments/:id')
  @ApiOperation({ summary: 'Rename an experiment and/or set its tags (null removes a tag)' })
  @ApiOkResponse({ description: 'The experiment' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  @ApiConflictResponse({ type: ErrorEnvelope })
  update(@Param('id') id: string, @Body() body: UpdateExperimentBody) {
    return this.experiments.updateExperiment(id, body);
  }

  @Post('experiments/:id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive an experiment (hidden from the default list; its runs stay)' })
  @ApiOkResponse({ description: 'The experiment' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  archive(@Param('id') id: string) {
    return this.experiments.setExperimentArchived(id, true);
  }

  @Post('experiments/:id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore an archived experiment' })
  @ApiOkResponse({ description: 'The experiment' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  restore(@Param('id') id: string) {
    return this.experiments.setExperimentArchived(id, false);
  }

  @Get('experiments/:id/runs')
  @ApiOperation({
    summary:
      "An experiment's runs: filter (MLflow grammar), order by a metric, status, lifecycle; newest first by default",
  })
  @ApiOkResponse({ description: '{"runs":[…],"total","limit","offset"}' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  runs(@Param('id') id: string, @Query() q: ListRunsQuery) {
    return this.experiments.listRuns(id, {
      filter: q.filter,
      orderBy: q.order_by,
      status: q.status,
      lifecycle: q.lifecycle,
      limit: q.limit,
      offset: q.offset,
    });
  }

  @Post('experiments/:id/runs')
  @ApiOperation({ summary: 'Start a run logged from outside (RUNNING until finished)' })
  @ApiCreatedResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  createRun(@Param('id') id: string, @Body() body: CreateRunBody) {
    return this.experiments.createExternalRun(id, {
      name: body.name,
      params: body.params,
      tags: body.tags,
      startTime: body.start_time,
    });
  }

  @Get('experiments/:id/compare')
  @ApiOperation({
    summary: 'Runs side by side: params (differing ones marked), final metrics with the best run, aligned histories',
    description:
      'Best run per metric: lower is better for loss, val_loss, mse, rmse, mae, mape, log_loss, max_drawdown, keys ending in _loss (or _mse, _rmse, _mae, _max_drawdown) and keys containing "error"; higher is better for every other metric. Ties go to the first run listed. Histories are aligned on the union of logged steps, with null where a run has no value.',
  })
  @ApiOkResponse({
    description:
      '{"experiment_id","runs":[{id,name,status,start_time,end_time}],"params":{k:{values,differs}},"metrics":{k:{values,best_run_id,direction (lower|higher|none: no best run),lower_is_better}},"histories":{k:{steps,values}}}',
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  compare(@Param('id') id: string, @Query() q: CompareQuery) {
    return this.experiments.compare(id, q.run_ids.split(','));
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One run with its per-epoch metric history, artifact list and MLflow sync state' })
  @ApiOkResponse({ description: 'The run, with metric_history: {key: [{step, value, timestamp}]}' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  run(@Param('id') id: string) {
    return this.experiments.getRun(id);
  }

  @Patch('runs/:id')
  @ApiOperation({ summary: 'Update a run: status (a final one sets end_time), end_time, name' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  updateRun(@Param('id') id: string, @Body() body: UpdateRunBody) {
    return this.experiments.updateRun(id, { status: body.status, endTime: body.end_time, name: body.name });
  }

  @Post('runs/:id/finish')
  @HttpCode(200)
  @ApiOperation({ summary: 'Finish a run logged from outside (FINISHED by default)' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  finish(@Param('id') id: string, @Body() body: FinishRunBody) {
    return this.experiments.updateRun(id, { status: body.status ?? 'FINISHED', endTime: body.end_time });
  }

  @Delete('runs/:id')
  @ApiOperation({ summary: 'Delete a run (soft: restore brings it back)' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  deleteRun(@Param('id') id: string) {
    return this.experiments.setRunDeleted(id, true);
  }

  @Post('runs/:id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a deleted run' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  restoreRun(@Param('id') id: string) {
    return this.experiments.setRunDeleted(id, false);
  }

  @Post('runs/:id/params')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log params (immutable: another value for an existing key is a 409 PARAM_IMMUTABLE)' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  @ApiConflictResponse({ type: ErrorEnvelope })
  logParams(@Param('id') id: string, @Body() body: LogParamsBody) {
    return this.experiments.logParams(id, body.params);
  }

  @Post('runs/:id/metrics')
  @HttpCode(204)
  @ApiOperation({ summary: 'Log metric values with step and timestamp (at most 1000 per call)' })
  @ApiOkResponse({ description: 'No content' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  logMetrics(@Param('id') id: string, @Body() body: LogMetricsBody) {
    return this.experiments.logMetricPoints(id, body.metrics);
  }

  @Post('runs/:id/tags')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set tags on a run (merged; an existing tag is overwritten)' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  setTags(@Param('id') id: string, @Body() body: SetTagsBody) {
    return this.experiments.setTags(id, body.tags);
  }

  @Delete('runs/:id/tags/:key')
  @ApiOperation({ summary: 'Delete a tag of a run' })
  @ApiOkResponse({ description: 'The run' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  deleteTag(@Param('id') id: string, @Param('key') key: string) {
    return this.experiments.deleteTag(id, key);
  }

  @Get('runs/:id/metrics/:key')
  @ApiOperation({ summary: 'The history of one metric of a run, in step order' })
  @ApiOkResponse({ description: '{"run_id","key","history":[{step,value,timestamp}],"more"}' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  metricHistory(@Param('id') id: string, @Param('key') key: string, @Query() q: MetricHistoryQuery) {
    return this.experiments.metricHistory(id, key, q);
  }

  @Get('runs/:id/artifacts')
  @ApiOperation({ summary: "The run's artifact files (paths relative to its version folder) with sizes" })
  @ApiOkResponse({ description: '{"run_id","root":"<model_id>/<version>","files":[{path,size,content_type}]}' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  artifacts(@Param('id') id: string) {
    return this.experiments.listArtifacts(id);
  }

  @Get('runs/:id/artifacts/*')
  @ApiOperation({ summary: "Download one of the run's artifact files (only listed files inside the run's folder)" })
  @ApiParam({ name: '*', description: 'The file path, e.g. model/weights.bin', example: 'metrics.json' })
  @ApiProduces('application/octet-stream', 'application/json')
  @ApiOkResponse({ description: 'The file' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  async artifact(@Param('id') id: string, @Param('*') file: string) {
    const opened = await this.experiments.openArtifact(id, file);
    return new StreamableFile(opened.stream, {
      type: opened.contentType,
      length: opened.size,
      disposition: `attachment; filename="${opened.filename}"`,
    });
  }
}
