import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, type TestApp } from './support/test-app';

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is a valid OpenAPI 3 document with the API-key security scheme', async () => {
    const doc = await (await t.fetch('/docs-json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(doc.components.securitySchemes.api_key).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    );
    expect(doc.paths['/health']).toBeDefined();
  });

  it('describes the bearer scheme as the API key, not as a JWT', async () => {
    const doc = await (await t.fetch('/docs-json')).json();
    const bearer = doc.components.securitySchemes.bearer;
    expect(bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(bearer).not.toHaveProperty('bearerFormat');
    expect(bearer.description).toContain('API_KEY');
  });

  it('documents every /api operation with a summary, the security schemes and the error envelope', async () => {
    const doc = await (await t.fetch('/docs-json')).json();
    for (const [route, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect({ route, method, summary: op.summary }).toEqual(
          expect.objectContaining({ summary: expect.any(String) }),
        );
        if (route.startsWith('/api/')) {
          expect({ route, method, security: op.security }).toEqual(
            expect.objectContaining({ security: expect.arrayContaining([{ api_key: [] }]) }),
          );
          expect(op.responses['401']).toBeDefined();
        }
      }
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.fetch('/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
  });
});
