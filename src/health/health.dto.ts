import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthResponse {
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  status: 'healthy' | 'unhealthy';

  @ApiProperty({ example: '0.1.0', description: 'The service version (package.json)' })
  version: string;

  @ApiPropertyOptional({
    description: 'Only when unhealthy: what failed',
    example: { database: { status: 'down', message: 'database unreachable' } },
  })
  details?: Record<string, unknown>;
}

export class LivenessResponse {
  @ApiProperty({ example: 'healthy' })
  status: 'healthy';

  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ example: 12.3, description: 'Seconds since the process started' })
  uptime_s: number;
}
