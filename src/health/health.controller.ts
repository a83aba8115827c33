import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { SERVICE_VERSION } from '../version';
import { DatabaseHealthIndicator } from './database.health';
import { DiskHealthIndicator } from './disk.health';
import { HealthResponse, LivenessResponse } from './health.dto';
import { ReadinessChecks } from './readiness-checks';
import { Public } from '../common/auth/public.decorator';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly readiness: ReadinessChecks,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Service health in the platform shape: healthy when the database answers' })
  @ApiOkResponse({ type: HealthResponse, example: { status: 'healthy', version: '0.1.0' } })
  @ApiServiceUnavailableResponse({
    type: HealthResponse,
    example: { status: 'unhealthy', version: '0.1.0', details: { database: { status: 'down' } } },
  })
  async overall(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponse> {
    const result = await this.database.check();
    if (result.database.status === 'up') return { status: 'healthy', version: SERVICE_VERSION };
    reply.status(503);
    return { status: 'unhealthy', version: SERVICE_VERSION, details: result };
  }

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers. Never touches the database, so an outage does not restart pods',
  })
  @ApiOkResponse({ type: LivenessResponse })
  live(): LivenessResponse {
    return { status: 'healthy', version: SERVICE_VERSION, uptime_s: Math.round(process.uptime() * 10) / 10 };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: database, free disk under MODEL_REGISTRY_PATH, and the checks other modules register (queue, ML backend)',
  })
  ready() {
    return this.health.check([() => this.database.check(), () => this.disk.check(), ...this.readiness.all()]);
  }
}
