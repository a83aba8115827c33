import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiProtected } from '../../common/http/api-docs.decorators';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { TargetDrivers } from './target-drivers.service';
import { TARGET_DRIVERS } from './target-registry';

class TargetKindDto {
  @ApiProperty({ example: 'file_drop' }) kind: string;
  @ApiProperty({
    example: 'DEPLOYMENT_FILE_DROP_DIRS',
    description: 'The variable that gives targets this kind (`target=value,…`)',
  })
  variable: string;
  @ApiProperty({ example: 'a deploy writes the version’s model.onnx … to <dir>/<model_id>/<version>/' })
  summary: string;
}

class TargetDto {
  @ApiProperty({ example: 'edge_drop' }) name: string;
  @ApiProperty({
    type: [String],
    example: ['file_drop'],
    description: 'Its kinds; empty: deployments to it are records only (served to predict with `target`)',
  })
  kinds: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [{ kind: 'file_drop', target: 'edge_drop', directory: '/srv/models' }],
    description: 'What each driver does (a webhook shows its URL’s origin only)',
  })
  drivers: Array<Record<string, unknown>>;
}

class TargetListDto {
  @ApiProperty({ type: [TargetDto] }) targets: TargetDto[];
  @ApiProperty({ type: [TargetKindDto], description: 'Every kind this service knows (the registry)' })
  kinds: TargetKindDto[];
}

@ApiTags('deployment')
@ApiProtected()
@Controller('api/v1')
export class TargetsController {
  constructor(
    private readonly drivers: TargetDrivers,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  @Get('deployment-targets')
  @ApiOperation({
    summary:
      'The configured deployment targets (DEPLOYMENT_TARGETS) and what a deployment to each does (its drivers), with every target kind the service knows',
  })
  @ApiOkResponse({ type: TargetListDto })
  list(): TargetListDto {
    const described = this.drivers.describe();
    return {
      targets: this.options.targets.map((name) => {
        const drivers = described.filter((d) => d.target === name);
        return { name, kinds: drivers.map((d) => d.kind), drivers };
      }),
      kinds: TARGET_DRIVERS.map((d) => ({ kind: d.kind, variable: d.variable, summary: d.summary })),
    };
  }
}
