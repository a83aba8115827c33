import { ApiProperty } from '@nestjs/swagger';

/** The body of every error response. */
export class ErrorEnvelope {
  @ApiProperty({ example: 'DataValidationError', description: 'Error class, as in the platform common_lib.exceptions' })
  error_type: string;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code' })
  error_code: string;

  @ApiProperty({ example: 'Request validation failed: 1 field is invalid' })
  message: string;

  @ApiProperty({
    nullable: true,
    example: { fields: [{ field: 'symbols', errors: ['symbols must contain at least 1 elements'] }] },
    description: 'Structured detail, or null',
  })
  details: unknown;

  @ApiProperty({
    example: '7f1d7c1e-4b5a-4c8e-9a35-8f0c5a1b2c3d',
    description: 'Also sent as the X-Correlation-ID header; quote it when reporting a problem',
  })
  correlation_id: string;
}
