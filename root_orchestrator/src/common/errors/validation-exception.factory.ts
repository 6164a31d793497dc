import type { ValidationError } from 'class-validator';
import { BadRequestError, type ErrorDetail } from './domain-errors';

/**
 * The global ValidationPipe's exception factory: a DTO that fails validation becomes a 400 with
 * one `{path, message}` per failed constraint, paths like `member[0].user_id`.
 */
export function validationExceptionFactory(errors: ValidationError[]): BadRequestError {
  const details = flattenErrors(errors);
  const first = details[0];
  const message =
    first === undefined
      ? 'Request body is invalid'
      : details.length === 1
        ? `Request body is invalid: ${first.message}`
        : `Request body is invalid (${details.length} problems)`;
  return new BadRequestError(message, details);
}

/**
 * Iterative (the error tree is as deep as the input). Numeric properties are array indexes here:
 * DTO bodies have no numeric keys, and the pipe strips the values that would tell them apart.
 */
export function flattenErrors(errors: readonly ValidationError[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const stack = errors.map((error) => ({ error, parent: '' })).reverse();
  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame === undefined) break;
    const { error, parent } = frame;
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent === ''
        ? error.property
        : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) details.push({ path, message });
    const children = error.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) stack.push({ error: child, parent: path });
    }
  }
  return details;
}
