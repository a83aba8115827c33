import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../../common/errors/error-envelope';
import { ApiProtected } from '../../common/http/api-docs.decorators';
import { PromoteRequestDto, PromotionResultDto } from '../dto/deployment.dto';
import { ChallengerService } from './challenger.service';

@ApiTags('deployment')
@ApiProtected()
@Controller('api/v1')
export class ChallengerController {
  constructor(private readonly challengers: ChallengerService) {}

  @Post('deployments/:id/promote')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Promote the challenger of an active deployment (shadow or canary) to the active version, when the live evidence says so or with force',
    description:
      '`id` is the active deployment (the one whose `challenger` is set and whose performance lists both versions). Evidence: the bars both versions predicted on it whose horizon has realised, paired; ' +
      'a Diebold–Mariano test (Harvey–Leybourne–Newbold correction, the training evaluation\'s) of their squared errors. Promoted when n ≥ 30 and p < 0.05 with the challenger\'s loss lower, or with `"force": true`. ' +
      "Promotion is an ordinary deploy of the challenger's version with the active deployment's settings (the old one becomes `replaced`, a notification goes out), so POST /models/{model_id}/rollback brings the old version back.",
  })
  // One example: `{}` (promote on evidence) is refused until 30 paired predictions have realised, so "Try it out" shows force.
  @ApiBody({
    type: PromoteRequestDto,
    examples: {
      force: {
        summary: 'Promote whatever the evidence says (send {} to promote only on the evidence)',
        value: { force: true },
      },
    },
  })
  @ApiCreatedResponse({ type: PromotionResultDto })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description:
      "PROMOTION_NOT_SUPPORTED (details: n, min_samples, mean_loss_difference, dm_statistic, p_value, …), NO_CHALLENGER, DEPLOYMENT_NOT_ACTIVE, or the challenger's version is no longer deployable",
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'No such deployment (DEPLOYMENT_NOT_FOUND)' })
  promote(@Param('id') id: string, @Body() body: PromoteRequestDto): Promise<PromotionResultDto> {
    return this.challengers.promote(id, body?.force === true);
  }
}
