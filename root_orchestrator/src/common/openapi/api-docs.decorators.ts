import { STATUS_CODES } from 'node:http';
import { ApiErrorDto } from '@canopy/contracts';
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from './openapi-types';
import { schemaOf } from './validation-schema';

type Ctor = abstract new (...args: never[]) => object;

/** Documents a JSON request body by its contracts DTO (or an explicit schema). */
export function ApiJsonBody(body: Ctor | SchemaObject, description?: string): MethodDecorator {
  return ApiBody({
    schema: typeof body === 'function' ? schemaOf(body) : body,
    ...(description ? { description } : {}),
  });
}

/** Documents the 200 answer: a DTO, or `[Dto]` for a list of them. */
export function ApiJsonOk(body: Ctor | [Ctor], description?: string): MethodDecorator {
  const schema: SchemaObject = Array.isArray(body)
    ? { type: 'array', items: schemaOf(body[0]) }
    : schemaOf(body);
  return ApiOkResponse({ schema, ...(description ? { description } : {}) });
}

/** Documents error answers; every one has the ApiErrorDto body. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: STATUS_CODES[status], schema: schemaOf(ApiErrorDto) }),
    ),
  );
}
