/** Oakestra's service status_detail while a scheduling decision is pending. */
export const WAITING_FOR_SCHEDULING = 'Waiting for scheduling decision';

/**
 * Generation of a new instance. Rescheduling (its cluster became inactive) bumps it, so the new
 * placement gets its own job id and commands/reports of the old placement are told apart.
 */
export const INITIAL_GENERATION = 0;

/** Redis calls made while serving a request give up after this; the reconciler catches up. */
export const QUEUE_CALL_TIMEOUT_MS = 2_000;

/** How often REQUESTED instances without a queued job are re-enqueued. */
export const RECONCILE_INTERVAL_MS = 60_000;
