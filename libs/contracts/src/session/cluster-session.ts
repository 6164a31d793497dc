/**
 * Plain-TypeScript helpers for the root <-> cluster session (`cluster_session.proto`) and the
 * registration greeting (`cluster_registration.proto`). No gRPC imports: both orchestrators use
 * them, and the node engine may import this entry point.
 */

/** `UndeployInstance.instance_number` meaning "every instance of the service" (Oakestra's -1). */
export const ALL_INSTANCES = -1;

/** Oakestra's cluster → root report period (BACKGROUND_JOB_INTERVAL), the default in Canopy. */
export const DEFAULT_REPORT_INTERVAL_MS = 15_000;

/** A cluster that has not reported for this many of its report periods is inactive. */
export const INACTIVE_AFTER_REPORT_PERIODS = 3;

/** The greeting text the root answers `handle_init_greeting` with (Oakestra's). */
export const REGISTRATION_GREETING_REPLY = 'please send your cluster info';

/**
 * Keys of the `cluster_info` KeyValue list a Canopy cluster sends in `handle_init_final`
 * (free-form in Oakestra; these are informational, the root stores them as given).
 */
export const ClusterInfoKey = {
  /** Canopy version of the cluster orchestrator. */
  CANOPY_VERSION: 'canopy_version',
  /** The cluster's report period in ms (also sent in Hello). */
  REPORT_INTERVAL_MS: 'report_interval_ms',
} as const;

/** Identifies one instance across tiers: `<serviceId>/<instanceNumber>`. */
export function instanceKey(serviceId: string, instanceNumber: number): string {
  return `${serviceId}/${instanceNumber}`;
}

/**
 * Command ids are deterministic, so the same desired change sent twice (a retry, a re-send after
 * a reconnect) carries the same id and the cluster's acknowledgement can be matched.
 */
export function deployCommandId(
  serviceId: string,
  instanceNumber: number,
  generation: number,
): string {
  return `deploy.${serviceId}.${instanceNumber}.${generation}`;
}

export function undeployCommandId(
  serviceId: string,
  instanceNumber: number,
  generation: number,
): string {
  const which = instanceNumber === ALL_INSTANCES ? 'all' : String(instanceNumber);
  return `undeploy.${serviceId}.${which}.${generation}`;
}

/** The JSON text of `CS1Message.hello_service_manager` (Oakestra: `{cluster_name, location}`). */
export interface ClusterGreeting {
  cluster_name: string;
  location: string;
}

export function formatClusterGreeting(greeting: ClusterGreeting): string {
  return JSON.stringify({ cluster_name: greeting.cluster_name, location: greeting.location });
}

/**
 * Parses the greeting. Oakestra's root does not look at it; Canopy checks it is the documented
 * JSON object so a misdirected client gets a clear answer. `location` may be empty.
 */
export function parseClusterGreeting(
  text: string,
): { ok: true; value: ClusterGreeting } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: 'hello_service_manager must be JSON {"cluster_name", "location"}' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'hello_service_manager must be a JSON object' };
  }
  const { cluster_name, location } = parsed as Record<string, unknown>;
  if (typeof cluster_name !== 'string' || cluster_name === '') {
    return { ok: false, error: 'hello_service_manager.cluster_name must be a non-empty string' };
  }
  if (location !== undefined && location !== null && typeof location !== 'string') {
    return { ok: false, error: 'hello_service_manager.location must be a string' };
  }
  return {
    ok: true,
    value: { cluster_name, location: typeof location === 'string' ? location : '' },
  };
}
