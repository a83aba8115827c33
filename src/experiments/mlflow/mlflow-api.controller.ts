import { Body, Controller, Get, HttpCode, Post, Query, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProtected } from '../../common/http/api-docs.decorators';
import { MlflowApiService } from './mlflow-api.service';
import { MlflowExceptionFilter } from './mlflow-exception.filter';

type Json = Record<string, unknown>;
const MLFLOW_ERROR = {
  description:
    'MLflow\'s error format: {"error_code": "INVALID_PARAMETER_VALUE" | "RESOURCE_ALREADY_EXISTS", "message": …}',
};
const NOT_FOUND = { description: '{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": …}' };
const OBJECT_BODY = { schema: { type: 'object', additionalProperties: true } } as const;

/**
 * The common part of MLflow's tracking REST API 2.0 over this service's own store, so that
 * existing MLflow clients can log to and read from it. Request and response shapes are
 * MLflow's (https://mlflow.org/docs/latest/rest-api.html); errors are MLflow's
 * `{"error_code", "message"}` (MlflowExceptionFilter, this controller only). Bodies are read
 * leniently (MLflow clients send extra fields such as run_uuid); MlflowApiService validates them.
 */
@ApiTags('mlflow-compatible')
@ApiProtected()
@UseFilters(MlflowExceptionFilter)
@ApiBadRequestResponse(MLFLOW_ERROR)
@Controller('api/2.0/mlflow')
export class MlflowApiController {
  constructor(private readonly mlflow: MlflowApiService) {}

  @Post('experiments/create')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: create an experiment → {experiment_id}' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{"experiment_id": "…"}' })
  createExperiment(@Body() body: Json) {
    return this.mlflow.createExperiment(body ?? {});
  }

  @Get('experiments/get')
  @ApiOperation({ summary: 'MLflow: an experiment by id (?experiment_id=) → {experiment}' })
  @ApiOkResponse({
    description:
      '{"experiment": {experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, tags}}',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  getExperiment(@Query() q: Json) {
    return this.mlflow.getExperiment(q);
  }

  @Get('experiments/get-by-name')
  @ApiOperation({ summary: 'MLflow: an experiment by name (?experiment_name=) → {experiment}' })
  @ApiOkResponse({ description: '{"experiment": {…}}' })
  @ApiNotFoundResponse(NOT_FOUND)
  getExperimentByName(@Query() q: Json) {
    return this.mlflow.getExperimentByName(q);
  }

  @Post('experiments/search')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'MLflow: search experiments (max_results, page_token, filter on name/tags, order_by, view_type) → {experiments, next_page_token}',
  })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{"experiments": […], "next_page_token"?: "…"}' })
  searchExperiments(@Body() body: Json) {
    return this.mlflow.searchExperiments(body ?? {});
  }

  @Get('experiments/search')
  @ApiOperation({ summary: 'MLflow: search experiments, with the parameters in the query string' })
  @ApiOkResponse({ description: '{"experiments": […], "next_page_token"?: "…"}' })
  searchExperimentsGet(@Query() q: Json) {
    return this.mlflow.searchExperiments(q);
  }

  @Post('experiments/update')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: rename an experiment (experiment_id, new_name)' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  updateExperiment(@Body() body: Json) {
    return this.mlflow.updateExperiment(body ?? {});
  }

  @Post('experiments/delete')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: delete (archive) an experiment' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  deleteExperiment(@Body() body: Json) {
    return this.mlflow.setExperimentLifecycle(body ?? {}, true);
  }

  @Post('experiments/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: restore an archived experiment' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  restoreExperiment(@Body() body: Json) {
    return this.mlflow.setExperimentLifecycle(body ?? {}, false);
  }

  @Post('experiments/set-experiment-tag')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: set a tag on an experiment (experiment_id, key, value)' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  setExperimentTag(@Body() body: Json) {
    return this.mlflow.setExperimentTag(body ?? {});
  }

  @Post('runs/create')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: create a run (experiment_id, run_name, start_time, tags) → {run}' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{"run": {"info": {…}, "data": {"metrics", "params", "tags"}}}' })
  @ApiNotFoundResponse(NOT_FOUND)
  createRun(@Body() body: Json) {
    return this.mlflow.createRun(body ?? {});
  }

  @Get('runs/get')
  @ApiOperation({ summary: 'MLflow: a run (?run_id=) with its latest metrics, params and tags → {run}' })
  @ApiOkResponse({ description: '{"run": {"info", "data", "inputs"}}' })
  @ApiNotFoundResponse(NOT_FOUND)
  getRun(@Query() q: Json) {
    return this.mlflow.getRun(q);
  }

  @Post('runs/update')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: update a run (status, end_time, run_name) → {run_info}' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{"run_info": {…}}' })
  @ApiNotFoundResponse(NOT_FOUND)
  updateRun(@Body() body: Json) {
    return this.mlflow.updateRun(body ?? {});
  }

  @Post('runs/delete')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: delete a run (soft)' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  deleteRun(@Body() body: Json) {
    return this.mlflow.setRunLifecycle(body ?? {}, true);
  }

  @Post('runs/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: restore a deleted run' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  restoreRun(@Body() body: Json) {
    return this.mlflow.setRunLifecycle(body ?? {}, false);
  }

  @Post('runs/log-metric')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: log one metric value (run_id, key, value, timestamp, step)' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  logMetric(@Body() body: Json) {
    return this.mlflow.logMetric(body ?? {});
  }

  @Post('runs/log-parameter')
  @HttpCode(200)
  @ApiOperation({
    summary: 'MLflow: log a param (immutable: another value for the same key is INVALID_PARAMETER_VALUE)',
  })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  logParam(@Body() body: Json) {
    return this.mlflow.logParam(body ?? {});
  }

  @Post('runs/set-tag')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: set a tag on a run' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  setTag(@Body() body: Json) {
    return this.mlflow.setTag(body ?? {});
  }

  @Post('runs/delete-tag')
  @HttpCode(200)
  @ApiOperation({ summary: 'MLflow: delete a tag of a run' })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  deleteTag(@Body() body: Json) {
    return this.mlflow.deleteTag(body ?? {});
  }

  @Post('runs/log-batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'MLflow: log metrics, params and tags at once (at most 1000 metrics, 100 params, 100 tags)',
  })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{}' })
  @ApiNotFoundResponse(NOT_FOUND)
  logBatch(@Body() body: Json) {
    return this.mlflow.logBatch(body ?? {});
  }

  @Post('runs/search')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'MLflow: search runs (experiment_ids, filter, run_view_type, max_results, order_by, page_token) → {runs, next_page_token}',
  })
  @ApiBody(OBJECT_BODY)
  @ApiOkResponse({ description: '{"runs": […], "next_page_token"?: "…"}' })
  searchRuns(@Body() body: Json) {
    return this.mlflow.searchRuns(body ?? {});
  }

  @Get('metrics/get-history')
  @ApiOperation({ summary: 'MLflow: the history of one metric of a run (?run_id=&metric_key=) → {metrics}' })
  @ApiOkResponse({ description: '{"metrics": [{key, value, timestamp, step}], "next_page_token"?: "…"}' })
  @ApiNotFoundResponse(NOT_FOUND)
  metricHistory(@Query() q: Json) {
    return this.mlflow.metricHistory(q);
  }
}
