/**
 * HTTP routes served by the cluster orchestrator that other processes call. Oakestra's paths
 * (reference §4.2), so an Oakestra worker can join a Canopy cluster.
 */
export const ClusterRoute = {
  /** POST: worker handshake (body NodeRegistrationDto, answer NodeRegistrationResponseDto). */
  NODE_REGISTER: '/api/node/register',
  /** GET: registration state of the cluster. */
  CLUSTER_STATUS: '/api/cluster/status',
  /** GET: the workers registered with this cluster (Canopy; operators and tests). */
  WORKERS: '/api/workers',
} as const;
export type ClusterRoute = (typeof ClusterRoute)[keyof typeof ClusterRoute];
