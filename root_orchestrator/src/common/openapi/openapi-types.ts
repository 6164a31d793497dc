import type { ApiBodyOptions } from '@nestjs/swagger';

/**
 * @nestjs/swagger's OpenAPI schema object type. Its package only exports its root, so the type is
 * recovered from ApiBody's options rather than deep-imported.
 */
export type SchemaObject = Exclude<
  Extract<ApiBodyOptions, { schema: unknown }>['schema'],
  { $ref: string }
>;
