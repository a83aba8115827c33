import { Body, Controller, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { assertModelId } from '../models/artifacts';
import { DeploymentService } from './deployment.service';
import { DeployValidationInterceptor } from './validation/deploy-validation.interceptor';
import { ChallengerService } from './challengers/challenger.service';
import {
  DEPLOY_EXAMPLES,
  DeploymentDto,
  DeploymentListDto,
  DeployRequestDto,
  ListDeploymentsQuery,
  MonitoringQuery,
  MonitoringReportDto,
  RollbackRequestDto,
} from './dto/deployment.dto';

@ApiTags('deployment')
@ApiProtected()
@Controller('api/v1')
export class DeploymentController {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly challengers: ChallengerService,
  ) {}

  @Post('models/:model_id/deploy')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Deploy a trained version to a target; it replaces the version active there (atomically)',
    description:
      'One active deployment per (model, target). The version becomes `deployed`; the one it replaced goes back to `experimental` when it is deployed nowhere else. ' +
      'When the target has a notification URL the event is POSTed to it in the background (signed, retried); its delivery state shows on the deployment and never fails the deploy. ' +
      'With `"mode": "shadow"` or `"mode": "canary"` (and `canary_share`) the version becomes the challenger of the active deployment instead (see `mode`): the answer is that active deployment with its `challenger`; no notification is sent and the version\'s status does not change.',
  })
  @ApiCreatedResponse({ type: DeploymentDto })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description:
      'Challengers: no active deployment on the target (NOT_DEPLOYED), or the version is the active one (CHALLENGER_IS_ACTIVE). The version is not trained (queued, training, failed, cancelled, archived), or the model is archived, or its stored artifacts fail verification (ARTIFACT_CHECKSUM_MISMATCH: a file or the manifest differs from what was registered; ARTIFACT_FILE_UNSAFE: a symlink or not a regular file; ARTIFACT_INCOMPLETE; ARTIFACT_MANIFEST_INVALID), or a file_drop target gets a version without model.onnx (ONNX_NOT_AVAILABLE). Nothing changes then; nor when a target cannot take the files (500 TARGET_WRITE_FAILED).',
  })
  @ApiNotFoundResponse({
    type: ErrorEnvelope,
    description: 'No such model (MODEL_NOT_FOUND) or version (VERSION_NOT_FOUND)',
  })
  @ApiBody({ type: DeployRequestDto, examples: DEPLOY_EXAMPLES })
  @UseInterceptors(DeployValidationInterceptor)
  deploy(@Param('model_id') modelId: string, @Body() body: DeployRequestDto): Promise<DeploymentDto> {
    assertModelId(modelId);
    // "mode": shadow / canary: a challenger beside the active version (the answer is that active deployment, carrying it).
    if (body.mode === 'shadow' || body.mode === 'canary')
      return this.challengers.start(modelId, { ...body, mode: body.mode });
    return this.deployments.deploy(modelId, body);
  }

  @Post('models/:model_id/rollback')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Roll the target back to the version the active deployment replaced (with that deployment’s scaling factor and monitoring level)',
  })
  @ApiCreatedResponse({
    type: DeploymentDto,
    description: 'The new active deployment; the one it ended is `rolled_back`',
  })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description:
      'Nothing active on the target, or nothing to roll back to, or the version rolled back to fails artifact verification (the ARTIFACT_* codes of deploy)',
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  @UseInterceptors(DeployValidationInterceptor)
  rollback(@Param('model_id') modelId: string, @Body() body: RollbackRequestDto): Promise<DeploymentDto> {
    assertModelId(modelId);
    return this.deployments.rollback(modelId, body.deployment_target);
  }

  @Get('deployments')
  @ApiOperation({
    summary:
      'Deployments, newest first (the whole history: active, replaced, rolled_back, undeployed), with filters and pagination',
  })
  @ApiOkResponse({ type: DeploymentListDto })
  list(@Query() query: ListDeploymentsQuery): Promise<DeploymentListDto> {
    return this.deployments.list(query);
  }

  @Get('deployments/:id')
  @ApiOperation({ summary: 'One deployment, with the delivery state of its notifications' })
  @ApiOkResponse({ type: DeploymentDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  get(@Param('id') id: string): Promise<DeploymentDto> {
    return this.deployments.describe(id);
  }

  @Post('deployments/:id/undeploy')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Undeploy: the target has no active version of the model any more (the row stays, `undeployed`)',
  })
  @ApiOkResponse({ type: DeploymentDto })
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The deployment is not active' })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  undeploy(@Param('id') id: string): Promise<DeploymentDto> {
    return this.deployments.undeploy(id);
  }

  @Get('deployments/:id/monitoring')
  @ApiOperation({
    summary:
      'Monitoring by level: low — request/error counts; medium — plus latency and prediction distributions; high — plus recent inputs/outputs and input drift (PSI per feature)',
    description:
      'PSI bands: < 0.1 stable, 0.1–0.25 moderate, > 0.25 significant. The training distribution is the version’s stored training histogram when present; otherwise it is approximated from the stored scaler (deciles of a normal with the training mean/std, or ten equal-width bins over the training min/max).',
  })
  @ApiOkResponse({ type: MonitoringReportDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope })
  monitoring(@Param('id') id: string, @Query() query: MonitoringQuery) {
    return this.deployments.monitoringReport(id, query.recent ?? 20);
  }
}
