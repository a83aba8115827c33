import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorEnvelope } from './common/errors/error-envelope';
import { SERVICE_VERSION } from './version';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('ML Workbench Service')
    .setDescription(
      'Train, evaluate, version, serve and deploy machine-learning models for forex trading, and track experiments. ' +
        'With API_KEY set, every /api/** route needs `X-API-Key: <key>` or `Authorization: Bearer <key>`. ' +
        'Every error has the envelope {error_type, error_code, message, details, correlation_id}; ' +
        'every response carries X-Correlation-ID (send one to have it echoed).',
    )
    .setVersion(SERVICE_VERSION)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The API_KEY the service was started with' },
      'api_key',
    )
    // addSecurity, not addBearerAuth: the latter adds `bearerFormat: JWT`, and the key is an
    // opaque string, not a JWT (a client generator would try to decode it).
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'The same API_KEY as a bearer token (an opaque string, not a JWT)',
    })
    .build();
  return nameWildcardParameters(SwaggerModule.createDocument(app, config, { extraModels: [ErrorEnvelope] }));
}

/**
 * A Fastify wildcard route (`runs/:id/artifacts/*`) is written `{path}` in the document, but its
 * `@Param('*')` is documented as a parameter named `*`, so a client (and Swagger UI) never
 * fills `{path}` in. Name it as the path does.
 */
function nameWildcardParameters(document: OpenAPIObject): OpenAPIObject {
  for (const [route, item] of Object.entries(document.paths)) {
    if (!route.includes('{path}')) continue;
    for (const op of Object.values(item)) {
      const params = (op as { parameters?: Array<{ name: string; in: string }> })?.parameters;
      const wildcard = params?.find((p) => p.in === 'path' && p.name === '*');
      if (wildcard && !params!.some((p) => p.in === 'path' && p.name === 'path')) wildcard.name = 'path';
    }
  }
  return document;
}

/**
 * Swagger UI at /docs, the OpenAPI 3 document at /docs-json. The document is built on the first
 * request for it (then kept), not at start: scanning every route's metadata is ~0.2–0.4 s of
 * CPU that a start would otherwise spend before it can answer /health.
 */
export function setupSwagger(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
