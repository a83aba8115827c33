import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { AppError } from '../common/errors/app-error';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import { BarsPage, BarsQuery, DeleteResult, ImportQuery, ImportResult, RangeQuery, ResampleBody, ResampleResult, SymbolsResponse } from './dto/market-data.dto';
import { MarketDataService } from './market-data.service';

const CSV_EXAMPLE = 'timestamp,open,high,low,close,volume\n2024-01-02T00:00:00Z,1.1034,1.1045,1.0941,1.0942,\n2024-01-03T00:00:00Z,1.0942,1.0970,1.0877,1.0921,';

@ApiTags('market-data')
@ApiProtected()
@Controller('api/v1/market-data')
export class MarketDataController {
  constructor(private readonly marketData: MarketDataService) {}

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import OHLC(V) bars from CSV (streamed). Upserts on (symbol, timeframe, timestamp): importing the same file twice changes nothing',
    description:
      'Columns by header: timestamp (ISO 8601, epoch seconds or milliseconds; UTC), open, high, low, close, volume — close alone is enough. ' +
      'Bad rows are rejected with their line number; an unreadable file (400), a header without timestamp/close (422) or a file over the size limit (413) imports nothing.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: CSV_EXAMPLE } })
  @ApiOkResponse({ type: ImportResult })
  @ApiPayloadTooLargeResponse({ type: ErrorEnvelope })
  async import(@Query() query: ImportQuery, @Req() request: FastifyRequest): Promise<ImportResult> {
    if (!(request.body instanceof Readable)) {
      throw new AppError(415, 'BadRequestError', 'UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as the request body with Content-Type: text/csv');
    }
    return this.marketData.importCsv(query, request.body, Number(request.headers['content-length'] ?? NaN));
  }

  @Get()
  @ApiOperation({ summary: 'Stored bars of one series, oldest first, paginated with next_cursor' })
  @ApiOkResponse({ type: BarsPage })
  bars(@Query() query: BarsQuery): Promise<BarsPage> {
    return this.marketData.bars(query);
  }

  @Get('symbols')
  @ApiOperation({ summary: 'Every stored symbol with its timeframes, first/last timestamp, bar count and the columns it has' })
  @ApiOkResponse({ type: SymbolsResponse })
  symbols(): Promise<SymbolsResponse> {
    return this.marketData.symbols();
  }

  @Delete()
  @ApiOperation({ summary: 'Delete the bars of one series, optionally only within [start, end]' })
  @ApiOkResponse({ type: DeleteResult })
  delete(@Query() query: RangeQuery): Promise<DeleteResult> {
    return this.marketData.delete(query);
  }

  @Post('resample')
  @ApiOperation({
    summary: 'Derive a coarser series (e.g. 1h → 4h, 1h → 1d): first open, max high, min low, last close, summed volume; UTC-aligned; an incomplete final period is left out',
  })
  @ApiCreatedResponse({ type: ResampleResult })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'No bars stored at from_timeframe' })
  resample(@Body() body: ResampleBody): Promise<ResampleResult> {
    return this.marketData.resample(body);
  }
}
