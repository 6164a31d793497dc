/** MongoDB's (and FerretDB's) duplicate-key error code: a unique index refused a write. */
export const MONGO_DUPLICATE_KEY = 11000;

/**
 * FerretDB v1 reports neither keyPattern nor keyValue, so callers can only tell WHICH unique index
 * refused a write from the collection (each has at most one besides `_id`, and ids are ours).
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === MONGO_DUPLICATE_KEY
  );
}

/**
 * Attempts of a compare-and-set loop before giving up with a 409. Under contention each round
 * lets about one writer through, so N concurrent writers to one document need up to N rounds:
 * 200 covers bursts of well over a hundred scale-ups to one service (plus report updates)
 * within a few seconds; a 409 then means sustained overload, not an ordinary burst.
 */
export const CAS_ATTEMPTS = 200;

/**
 * Pause before retry `attempt` (1, 2, ...) of a lost compare-and-set: short and random, so a burst
 * of writers to one document spreads out instead of colliding again in lockstep.
 */
export function casBackoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(100, 5 * attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
