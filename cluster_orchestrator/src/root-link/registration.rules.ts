import { status } from '@grpc/grpc-js';

/**
 * Which registration failures are final. A refused registration (bad or revoked join token, a
 * wrong secret, a name taken by another cluster, a malformed request) will not succeed by
 * retrying: the cluster logs why and exits non-zero so the operator (or the supervisor's
 * restart counter) notices. Everything else (root down, network, deadline, root-side errors) is
 * retried with backoff.
 */
const REFUSALS: ReadonlySet<number> = new Set([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.ALREADY_EXISTS,
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
]);

export function isRegistrationRefusal(code: number | undefined): boolean {
  return code !== undefined && REFUSALS.has(code);
}

/** The session's Hello was not accepted: the identity is unknown to the root or its secret wrong. */
export function isSessionRejection(code: number | undefined): boolean {
  return code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED;
}

/** Exit code of the cluster process when the root refuses it (distinct from 1 = bad config). */
export const EXIT_REGISTRATION_REFUSED = 3;

export class RegistrationRefusedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`the root refused the registration (${status[code] ?? code}): ${reason}`);
    this.name = 'RegistrationRefusedError';
  }
}
