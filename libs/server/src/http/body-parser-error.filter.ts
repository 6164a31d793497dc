import { type ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/** The error shape body-parser (via http-errors) produces: a status and a machine-readable type. */
interface BodyParserError {
  status: number;
  type: string;
  expose?: boolean;
  message: string;
}

export function isBodyParserError(error: unknown): error is BodyParserError {
  const e = error as Partial<BodyParserError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500 &&
    typeof e.type === 'string' &&
    e.type.startsWith('entity.')
  );
}

const MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'Request body is not valid JSON',
  'entity.too.large': 'Request body is too large',
  'encoding.unsupported': 'Unsupported request body encoding',
};

/**
 * Request bodies that cannot be parsed are client errors: answer 400 (malformed JSON) or 413 (too
 * large) in Nest's usual error shape, rather than a 500 or express' HTML error page. Every other
 * error goes to Nest's default handling.
 */
@Catch()
export class BodyParserErrorFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (!(exception instanceof HttpException) && isBodyParserError(exception)) {
      const message =
        MESSAGES[exception.type] ?? (exception.expose ? exception.message : 'Bad request body');
      super.catch(
        new HttpException({ statusCode: exception.status, message }, exception.status),
        host,
      );
      return;
    }
    super.catch(exception, host);
  }
}
