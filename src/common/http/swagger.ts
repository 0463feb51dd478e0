import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SERVICE_VERSION } from '../../version';

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', example: 'urn:clawcontrol:problem:VALIDATION_FAILED' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: 'property foo should not exist' },
    code: { type: 'string', example: 'VALIDATION_FAILED' },
    requestId: { type: 'string' },
  },
};

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Clawcontrol')
    .setDescription(
      'Operations control plane for fleets of AI agents. REST bodies are snake_case; errors are ' +
        'application/problem+json (RFC 9457) with a stable `code`.',
    )
    .setVersion(SERVICE_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' }, 'bearer')
    .addCookieAuth('mc_session', { type: 'apiKey', in: 'cookie', name: 'mc_session' }, 'cookie')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Agent-Token' }, 'agent')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = document.components ?? {};
  document.components.schemas = { ...(document.components.schemas ?? {}), Problem: PROBLEM_SCHEMA as any };
  for (const pathItem of Object.values(document.paths)) {
    for (const op of Object.values(pathItem) as any[]) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.responses.default = op.responses.default ?? {
        description: 'Error (problem+json)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
  }
  return document;
}

export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
