import { STATUS_CODES } from 'node:http';
import { isBodyParserError } from '@canopy/server';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../persistence/mongo-errors';
import { DomainError, type ErrorDetail } from './domain-errors';

/** The one error body of the root API (see ApiErrorDto in @canopy/contracts). */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: ErrorDetail[];
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'Request body is not valid JSON',
  'entity.too.large': 'Request body is too large',
  'encoding.unsupported': 'Unsupported request body encoding',
  'charset.unsupported': 'Unsupported request body charset',
};

/**
 * Maps everything thrown while serving a request to the API's error body:
 * - DomainError (services' rule violations) → its status;
 * - HttpException (Nest: unknown route 404; malformed JSON 400, which Nest's router turns into a
 *   BadRequestException carrying the parser's message) → its status, message as one string;
 * - other body-parser errors (too large 413, bad encoding 415);
 * - a duplicate-key error a repository did not translate → 409;
 * - anything else is a bug: logged with its stack, answered 500 without internals.
 * Registered last (create-root-app.ts), so it takes precedence over the shared server filter.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    // Health checks (terminus) answer 503 with their own documented body: keep it.
    if (exception instanceof HttpException && isOwnBody(exception.getResponse())) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const body = this.toBody(exception);
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof DomainError) {
      return errorBody(exception.status, exception.message, exception.details);
    }
    if (exception instanceof HttpException) {
      return errorBody(exception.getStatus(), httpExceptionMessage(exception));
    }
    if (isBodyParserError(exception)) {
      const message =
        BODY_PARSER_MESSAGES[exception.type] ??
        (exception.expose ? exception.message : 'Bad request body');
      return errorBody(exception.status, message);
    }
    if (isDuplicateKeyError(exception)) {
      return errorBody(409, 'An object with the same unique name already exists');
    }
    const error = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error({ err: error }, 'unexpected error while serving a request');
    return errorBody(500, 'Internal server error');
  }
}

export function errorBody(status: number, message: string, details?: ErrorDetail[]): ApiErrorBody {
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    ...(details && details.length > 0 ? { details } : {}),
  };
}

/** An HttpException built with a body of its own, rather than Nest's `{statusCode, message}`. */
function isOwnBody(response: unknown): boolean {
  return typeof response === 'object' && response !== null && !('message' in response);
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}
