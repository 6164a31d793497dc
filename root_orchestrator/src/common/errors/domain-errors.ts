import type { ValidationIssue } from '@canopy/contracts';

/** A field-level problem, returned to the client in `details`. */
export type ErrorDetail = ValidationIssue;

/**
 * Errors services throw for rule violations. Each maps to one HTTP status in ApiExceptionFilter;
 * services never import HTTP types. Messages are shown to clients: no internals in them.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;

  constructor(
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed (shape, types, unknown fields). */
export class BadRequestError extends DomainError {
  readonly status = 400;
}

/** 401: no valid credentials (missing, malformed, expired or revoked token; wrong password). */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
}

/** Oakestra's text for a missing role. */
export const NOT_ENOUGH_PERMISSIONS = 'You have not enough permissions!';

/** 403: authenticated, but the role does not allow this. */
export class ForbiddenError extends DomainError {
  readonly status = 403;

  constructor(message = NOT_ENOUGH_PERMISSIONS, details?: ErrorDetail[]) {
    super(message, details);
  }
}

/** 404: absent, or not visible to the caller (another user's object is a 404, not a 403). */
export class NotFoundError extends DomainError {
  readonly status = 404;
}

/** 409: conflicts with the current state (duplicate name, object still in use). */
export class ConflictError extends DomainError {
  readonly status = 409;
}

/** 422: well-formed, but not an acceptable SLA / state change (Oakestra answers SLA errors so). */
export class UnprocessableError extends DomainError {
  readonly status = 422;
}

/** 501: a route Oakestra has that Canopy does not implement yet. */
export class NotImplementedError extends DomainError {
  readonly status = 501;
}
