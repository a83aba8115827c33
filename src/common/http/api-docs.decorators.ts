import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiInternalServerErrorResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorEnvelope } from '../errors/error-envelope';

/** For every /api controller: documents the API-key schemes and the common error responses. */
export function ApiProtected() {
  return applyDecorators(
    ApiSecurity('api_key'),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ type: ErrorEnvelope, description: 'Missing or wrong API key (when API_KEY is set)' }),
    ApiUnprocessableEntityResponse({
      type: ErrorEnvelope,
      description: 'The request is invalid; details.fields names each failing field',
    }),
    ApiInternalServerErrorResponse({ type: ErrorEnvelope, description: 'Unexpected error; quote the correlation_id' }),
  );
}
