import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQuery } from '../../common/http/pagination.dto';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { VERSION_STATUSES } from '../entities/model-version.entity';

export class ListModelsQuery extends PaginationQuery {
  @ApiPropertyOptional({ example: 'time_series' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  type?: string;

  @ApiPropertyOptional({ enum: VERSION_STATUSES })
  @IsOptional()
  @IsIn(VERSION_STATUSES)
  status?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

/** One model in the seed's list shape: its deployed version when one is deployed, else its latest. */
export class ModelSummaryDto {
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) id: string;
  @ApiProperty({ example: 'LSTM Price Predictor' }) name: string;
  @ApiProperty({ example: 'time_series' }) type: string;
  @ApiProperty({
    example: '2.1.0',
    description: 'The deployed version (the highest, when several are deployed); the latest version when none is',
  })
  version: string;
  @ApiProperty({
    example: 'deployed',
    enum: VERSION_STATUSES,
    description: "That version's status: `deployed` whenever a version of the model is deployed",
  })
  status: string;
  @ApiProperty({ example: '2025-03-12T10:15:22Z' }) created_at: string;
  @ApiProperty({ example: { accuracy: 0.78, mse: 0.0023 }, description: 'Metrics of the version shown' })
  metrics: Record<string, unknown>;
  @ApiProperty({
    example: '2.2.0',
    description: 'The newest version, whatever its status (may be newer than the deployed one)',
  })
  latest_version: string;
  @ApiProperty({ example: 'experimental', enum: VERSION_STATUSES }) latest_status: string;
  @ApiProperty({
    example: ['2.1.0'],
    type: [String],
    description: 'Every version deployed to some target, newest first',
  })
  deployed_versions: string[];
}

export class ModelListDto {
  @ApiProperty({ type: [ModelSummaryDto] }) models: ModelSummaryDto[];
  @ApiProperty({ example: 2 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}
