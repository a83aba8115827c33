import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination.dto';
import { ALIAS_PATTERN } from '../aliases/alias-names';
import { VERSION_PATTERN } from '../artifacts';
import { MODEL_HISTORY_EVENTS } from '../history/model-history.entity';

/** PUT /api/v1/models/{model_id}/aliases/{alias}. */
export class SetAliasRequestDto {
  @ApiProperty({
    example: '1.0.0',
    description: 'The version the alias points at: a trained version of the model (status experimental or deployed)',
  })
  @IsString()
  @Matches(VERSION_PATTERN, { message: 'version must be MAJOR.MINOR.PATCH, e.g. 1.0.0' })
  version: string;
}

export class AliasDto {
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) model_id: string;
  @ApiProperty({ example: 'champion', pattern: ALIAS_PATTERN.source }) alias: string;
  @ApiProperty({ example: '1.2.0', description: 'The version `@alias` resolves to now' }) version: string;
  @ApiProperty({ example: '2025-03-12T10:15:22.000Z' }) created_at: string;
  @ApiProperty({ example: '2025-03-14T08:00:00.000Z', description: 'When it last moved' }) updated_at: string;
}

export class AliasChangeDto extends AliasDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1.1.0',
    description: 'Where the alias pointed before this request; null when it is new',
  })
  previous_version: string | null;
  @ApiProperty({
    example: true,
    description: 'False when it already pointed at this version (nothing changed, nothing recorded)',
  })
  changed: boolean;
}

export class AliasRemovedDto extends AliasDto {
  @ApiProperty({ example: true, enum: [true] }) removed: true;
}

export class AliasListDto {
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) model_id: string;
  @ApiProperty({ type: [AliasDto] }) aliases: AliasDto[];
}

export class ModelHistoryQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: MODEL_HISTORY_EVENTS, description: 'Only events of this kind' })
  @IsOptional()
  @IsIn(MODEL_HISTORY_EVENTS)
  event?: (typeof MODEL_HISTORY_EVENTS)[number];

  @ApiPropertyOptional({ example: 'champion', description: 'Only the events of this alias' })
  @IsOptional()
  @IsString()
  @Matches(ALIAS_PATTERN, { message: "alias must be 1-64 characters a-z, 0-9, '_' or '-', starting with a letter" })
  alias?: string;
}

export class ModelHistoryEntryDto {
  @ApiProperty({ example: 3, description: 'Increasing: later events have larger ids' }) id: number;
  @ApiProperty({ enum: MODEL_HISTORY_EVENTS, example: 'alias_moved' }) event: string;
  @ApiProperty({ nullable: true, type: String, example: 'champion' }) alias: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1.2.0',
    description: 'Where the alias points after the event (null once removed)',
  })
  version: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1.1.0',
    description: 'Where it pointed before (null when it was new)',
  })
  previous_version: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description:
      'Set when the service made the change itself: `model_archived` (archiving a model removes its aliases)',
  })
  reason: string | null;
  @ApiProperty({ example: '2025-03-14T08:00:00.000Z' }) created_at: string;
}

export class ModelHistoryDto {
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) model_id: string;
  @ApiProperty({ type: [ModelHistoryEntryDto], description: 'Newest first' }) events: ModelHistoryEntryDto[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}
