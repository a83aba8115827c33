import { ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQuery } from '../../common/http/pagination.dto';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { JOB_STATUSES } from '../training-job.entity';

export class ListJobsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: (typeof JOB_STATUSES)[number];

  @ApiPropertyOptional({ example: 'lstm_price_predictor' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/)
  model_id?: string;
}
