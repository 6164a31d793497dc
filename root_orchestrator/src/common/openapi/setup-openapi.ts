import { RootRoute } from '@canopy/contracts';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Bearer scheme name used by @ApiBearerAuth() on the controllers. */
export const BEARER_AUTH = 'bearer';

/**
 * Swagger UI at /api/docs and the OpenAPI document at /api/docs-json, generated from the
 * controllers' decorators and the contracts DTOs (see validation-schema.ts).
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Canopy root orchestrator API')
    .setDescription(
      "Oakestra-compatible system manager API: users, organizations, applications, services and instances. Log in with POST /api/auth/login and send the token as `Authorization: Bearer <token>`. Every success is HTTP 200 (Oakestra's clients check for exactly 200).",
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(RootRoute.DOCS.slice(1), app, document, {
    jsonDocumentUrl: RootRoute.DOCS_JSON.slice(1),
    customSiteTitle: 'Canopy root API',
  });
}
