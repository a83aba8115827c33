import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../../common/errors/error-envelope';
import { ApiProtected } from '../../common/http/api-docs.decorators';
import { assertModelId } from '../artifacts';
import {
  AliasChangeDto,
  AliasListDto,
  AliasRemovedDto,
  ModelHistoryDto,
  ModelHistoryQuery,
  SetAliasRequestDto,
} from '../dto/aliases.dto';
import { ALIAS_PATTERN, assertAliasName } from './alias-names';
import { AliasesService } from './aliases.service';

const ALIAS_PARAM = {
  name: 'alias',
  description:
    "The alias name, without '@': 1-64 characters a-z, 0-9, '_' or '-', starting with a letter (not `latest` or `v<digits>`, which read like versions)",
  schema: { type: 'string', pattern: ALIAS_PATTERN.source, example: 'champion' },
} as const;

@ApiTags('models')
@ApiProtected()
@Controller('api/v1/models')
export class AliasesController {
  constructor(private readonly aliases: AliasesService) {}

  @Get(':model_id/aliases')
  @ApiOperation({
    summary: "A model's aliases (champion, challenger, …) and the version each points at",
    description: 'Predict and deploy accept `"version": "@<alias>"`, resolved when the request arrives.',
  })
  @ApiOkResponse({ type: AliasListDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'MODEL_NOT_FOUND' })
  async list(@Param('model_id') modelId: string): Promise<AliasListDto> {
    assertModelId(modelId);
    return { model_id: modelId, aliases: await this.aliases.list(modelId) };
  }

  @Put(':model_id/aliases/:alias')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Point an alias at a version: creates it, or moves it from the version it pointed at',
    description:
      "Recorded in the model's history (GET /api/v1/models/{model_id}/history: alias_set or alias_moved); setting it to the version it already has changes and records nothing. " +
      'Predictions asked for `@<alias>` are answered by the new version from the next request on (in other replicas within a second). ' +
      'A deployment made with `@<alias>` keeps the version it was made with: moving the alias does not redeploy.',
  })
  @ApiParam(ALIAS_PARAM)
  @ApiOkResponse({ type: AliasChangeDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'MODEL_NOT_FOUND or VERSION_NOT_FOUND' })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description:
      'VERSION_NOT_SERVABLE (the version is queued, training, failed, cancelled or archived), MODEL_ARCHIVED, TOO_MANY_ALIASES (32 per model)',
  })
  set(
    @Param('model_id') modelId: string,
    @Param('alias') alias: string,
    @Body() body: SetAliasRequestDto,
  ): Promise<AliasChangeDto> {
    assertModelId(modelId);
    assertAliasName(alias);
    return this.aliases.set(modelId, alias, body.version);
  }

  @Delete(':model_id/aliases/:alias')
  @ApiOperation({
    summary:
      "Remove an alias (recorded in the model's history as alias_removed); `@<alias>` is then a 404 ALIAS_NOT_FOUND",
  })
  @ApiParam(ALIAS_PARAM)
  @ApiOkResponse({ type: AliasRemovedDto, description: 'The alias as it was' })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'MODEL_NOT_FOUND or ALIAS_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'MODEL_ARCHIVED' })
  remove(@Param('model_id') modelId: string, @Param('alias') alias: string): Promise<AliasRemovedDto> {
    assertModelId(modelId);
    assertAliasName(alias);
    return this.aliases.remove(modelId, alias);
  }

  @Get(':model_id/history')
  @ApiOperation({
    summary:
      "The model's history, newest first: every alias set, moved and removed (with the version before and after)",
    description: 'Archiving a model removes its aliases; those events carry `reason: "model_archived"`.',
  })
  @ApiOkResponse({ type: ModelHistoryDto })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'MODEL_NOT_FOUND' })
  async modelHistory(@Param('model_id') modelId: string, @Query() q: ModelHistoryQuery): Promise<ModelHistoryDto> {
    assertModelId(modelId);
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { events, total } = await this.aliases.history(modelId, { event: q.event, alias: q.alias, limit, offset });
    return { model_id: modelId, events, total, limit, offset };
  }
}
