import { parseLocation } from '@canopy/common';

/** Why a registration was refused; the gRPC layer maps each kind to a status code. */
export type RegistrationRefusal =
  'invalid_argument' | 'unauthenticated' | 'permission_denied' | 'already_exists';

export class ClusterRegistrationError extends Error {
  constructor(
    readonly kind: RegistrationRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterRegistrationError';
  }
}

/** Oakestra does not restrict cluster names; Canopy keeps them safe for logs, paths and MQTT. */
export const ROOT_CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface RegistrationRequest {
  cluster_name: string;
  cluster_location: string;
  manager_port: number;
  network_component_port: number;
}

/** The first problem with a registration's details, or undefined (pure). */
export function registrationProblem(request: RegistrationRequest): string | undefined {
  if (!ROOT_CLUSTER_NAME_PATTERN.test(request.cluster_name)) {
    return 'cluster_name must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
  }
  if (request.cluster_location !== '') {
    const location = parseLocation(request.cluster_location);
    if ('error' in location) return `cluster_location ${location.error}`;
  }
  for (const field of ['manager_port', 'network_component_port'] as const) {
    const port = request[field];
    if (!Number.isInteger(port) || port < 0 || port > 65535) return `${field} must be 0..65535`;
  }
  return undefined;
}

/**
 * The address part of a gRPC peer string (`ipv4:1.2.3.4:5`, `ipv6:[::1]:5`, `1.2.3.4:5`,
 * `[::ffff:1.2.3.4]:5`), with IPv4-mapped IPv6 unwrapped as Oakestra does; '' if unparsable.
 */
export function peerAddress(peer: string | undefined): string {
  if (peer === undefined || peer === '') return '';
  let rest = peer.replace(/^(ipv4|ipv6|dns):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(rest);
  if (bracketed) rest = bracketed[1] ?? '';
  else rest = rest.replace(/:\d+$/, '');
  return rest.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}
