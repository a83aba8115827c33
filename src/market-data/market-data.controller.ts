import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { AppError } from '../common/errors/app-error';
import { ErrorEnvelope } from '../common/errors/error-envelope';
import { ApiProtected } from '../common/http/api-docs.decorators';
import {
  BarsPage,
  BarsQuery,
  DeleteBarsQuery,
  DeleteResult,
  ImportQuery,
  ImportResult,
  ResampleBody,
  ResampleResult,
  SymbolsResponse,
} from './dto/market-data.dto';
import { MarketDataService } from './market-data.service';

/** Eight hourly EUR/USD bars: a series the demo data (daily) does not have; the resample and delete examples use them. */
const CSV_EXAMPLE = [
  'timestamp,open,high,low,close,volume',
  '2024-01-02T00:00:00Z,1.10405,1.10432,1.10371,1.10398,1843',
  '2024-01-02T01:00:00Z,1.10398,1.10417,1.10352,1.10366,1602',
  '2024-01-02T02:00:00Z,1.10366,1.10389,1.10318,1.10331,2210',
  '2024-01-02T03:00:00Z,1.10331,1.10360,1.10309,1.10352,1987',
  '2024-01-02T04:00:00Z,1.10352,1.10374,1.10327,1.10340,1455',
  '2024-01-02T05:00:00Z,1.10340,1.10368,1.10322,1.10361,1389',
  '2024-01-02T06:00:00Z,1.10361,1.10410,1.10355,1.10402,2604',
  '2024-01-02T07:00:00Z,1.10402,1.10447,1.10378,1.10391,3471',
].join('\n');

@ApiTags('market-data')
@ApiProtected()
@Controller('api/v1/market-data')
export class MarketDataController {
  constructor(private readonly marketData: MarketDataService) {}

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Import OHLC(V) bars from CSV (streamed). Upserts on (symbol, timeframe, timestamp): importing the same file twice changes nothing',
    description:
      'Columns by header: timestamp (ISO 8601, epoch seconds or milliseconds; UTC, years 0000–9999), open, high, low, close, volume — close alone is enough. ' +
      'Bad rows are rejected with their line number; an unreadable file (400), a header without timestamp/close (422) or a file over the size limit (413) imports nothing. ' +
      'A series holds bars of one source: importing into a series that holds demo or resampled bars is 409 SERIES_SOURCE_CONFLICT (answered before the upload is read) unless on_conflict=replace. ' +
      'The upload is read and validated first (accepted rows are buffered on disk in MARKET_DATA_IMPORT_SPOOL_DIR, so memory stays bounded), then written in one transaction: all of it lands or none. ' +
      'A full disk answers 507 INSUFFICIENT_STORAGE and imports nothing. ' +
      'On the embedded database (no DATABASE_URL: PGlite, one connection) the write phase holds the database exclusively: ' +
      'other requests that need it wait until the import commits (15–20 s per million bars on a 2-core machine); the upload and validation phase does not hold it. ' +
      'Use PostgreSQL (DATABASE_URL) for large imports beside live traffic.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: CSV_EXAMPLE } })
  @ApiOkResponse({ type: ImportResult })
  @ApiPayloadTooLargeResponse({ type: ErrorEnvelope })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description:
      'SERIES_SOURCE_CONFLICT: the series holds bars from another source (send on_conflict=replace to replace it)',
  })
  @ApiResponse({
    status: 507,
    type: ErrorEnvelope,
    description: 'INSUFFICIENT_STORAGE: the database or the upload buffer ran out of disk; nothing was imported',
  })
  async import(@Query() query: ImportQuery, @Req() request: FastifyRequest): Promise<ImportResult> {
    if (!(request.body instanceof Readable)) {
      throw new AppError(
        415,
        'BadRequestError',
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the CSV as the request body with Content-Type: text/csv',
      );
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
  @ApiOperation({
    summary: 'Every stored symbol with its timeframes, first/last timestamp, bar count and the columns it has',
  })
  @ApiOkResponse({ type: SymbolsResponse })
  symbols(): Promise<SymbolsResponse> {
    return this.marketData.symbols();
  }

  @Delete()
  @ApiOperation({ summary: 'Delete the bars of one series, optionally only within [start, end]' })
  @ApiOkResponse({ type: DeleteResult })
  delete(@Query() query: DeleteBarsQuery): Promise<DeleteResult> {
    return this.marketData.delete(query);
  }

  @Post('resample')
  @ApiOperation({
    summary:
      'Derive a coarser series (e.g. 1h → 4h, 1h → 1d): first open, max high, min low, last close, summed volume; UTC-aligned; an incomplete final period is left out',
    description:
      "The bars written record their source (resample:<from_timeframe>). When the target series already holds bars from another source (a CSV import, the demo's close-only Fed fixes, another resample) " +
      'the answer is 409 SERIES_SOURCE_CONFLICT and nothing is written, unless on_conflict is replace: then the existing bars of the target series are deleted (counted in replaced) and the resampled ones written, in one transaction.',
  })
  @ApiCreatedResponse({ type: ResampleResult })
  @ApiConflictResponse({
    type: ErrorEnvelope,
    description: 'SERIES_SOURCE_CONFLICT: the target series holds bars from another source',
  })
  @ApiNotFoundResponse({ type: ErrorEnvelope, description: 'No bars stored at from_timeframe' })
  resample(@Body() body: ResampleBody): Promise<ResampleResult> {
    return this.marketData.resample(body);
  }
}
