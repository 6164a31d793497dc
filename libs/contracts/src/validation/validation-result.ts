/** One problem found in untrusted input. */
export interface ValidationIssue {
  /**
   * Where the problem is, in JavaScript accessor notation relative to the validated value:
   * `applications[0].microservices[1].memory`. Empty string means the value as a whole
   * (not an object, invalid JSON, too large, ...).
   */
  path: string;
  /** Human-readable reason, safe to return to API clients. */
  message: string;
}

/**
 * Outcome of validating untrusted input. Validation never throws: hostile input is an expected
 * case, not an exceptional one.
 */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

/** The first `max` issues as one log-friendly line: `path: message; path: message`. */
export function summarizeIssues(errors: readonly ValidationIssue[], max = 5): string {
  return errors
    .slice(0, max)
    .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
    .join('; ');
}
