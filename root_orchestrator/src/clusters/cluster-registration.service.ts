import { parseClusterGreeting, REGISTRATION_GREETING_REPLY } from '@canopy/contracts';
import type { CS1Message, CS2Message, SC1Message, SC2Message } from '@canopy/contracts/grpc';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { generateClusterSecret, hashSecret, secretMatches } from './cluster-credentials';
import type { ClusterDetails } from './cluster.model';
import { ClusterRepository, DuplicateClusterNameError } from './cluster.repository';
import {
  ClusterRegistrationError,
  peerAddress,
  registrationProblem,
} from './cluster-registration.rules';
import { JoinTokenRefusedError, JoinTokensService } from './join-tokens.service';

/**
 * Oakestra's registration handshake (reference §4.1) with Canopy's identity rules:
 * - a cluster presenting a stored id and its secret is re-registered as itself (details updated,
 *   no token use, no new secret): a restart never creates a duplicate;
 * - a new cluster needs a valid join token; it gets an id and a secret (shown once);
 * - a wrong secret for a known id is refused, whatever the token;
 * - a name held by another cluster is refused (re-register with the stored identity instead).
 */
@Injectable()
export class ClusterRegistrationService {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly tokens: JoinTokensService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterRegistration');
  }

  greet(request: CS1Message): SC1Message {
    const greeting = parseClusterGreeting(request.hello_service_manager);
    if (!greeting.ok) throw new ClusterRegistrationError('invalid_argument', greeting.error);
    return { hello_cluster_manager: REGISTRATION_GREETING_REPLY };
  }

  async register(request: CS2Message, peer: string | undefined): Promise<SC2Message> {
    const problem = registrationProblem(request);
    if (problem !== undefined) throw new ClusterRegistrationError('invalid_argument', problem);
    const details: ClusterDetails = {
      cluster_name: request.cluster_name,
      cluster_location: request.cluster_location,
      ip: request.cluster_address !== '' ? request.cluster_address : peerAddress(peer),
      port: request.manager_port,
      network_component_port: request.network_component_port,
      cluster_info: Object.fromEntries(request.cluster_info.map((kv) => [kv.key, kv.value])),
    };
    const now = new Date();

    if (request.cluster_id !== '') {
      const known = await this.clusters.findById(request.cluster_id);
      if (known) {
        if (!secretMatches(request.cluster_secret, known.secret_hash)) {
          this.logger.warn(
            { clusterId: known.id, name: request.cluster_name, ip: details.ip },
            'registration refused: wrong cluster secret',
          );
          throw new ClusterRegistrationError(
            'permission_denied',
            `cluster ${known.id} is registered, but the presented cluster secret does not match`,
          );
        }
        await this.updateDetails(known.id, details, now);
        this.logger.info(
          { clusterId: known.id, name: details.cluster_name, ip: details.ip },
          'cluster re-registered',
        );
        return { id: known.id, cluster_secret: '' };
      }
      this.logger.warn(
        { clusterId: request.cluster_id, name: request.cluster_name },
        'cluster presented an id this root does not know; treating it as a new cluster',
      );
    }

    if (request.join_token === '') {
      throw new ClusterRegistrationError(
        'unauthenticated',
        'a join token is required to register a new cluster (set CLUSTER_JOIN_TOKEN)',
      );
    }
    let token;
    try {
      // The token is checked before anything else is revealed (e.g. whether a name is taken),
      // and only taken once the name is known to be free.
      await this.tokens.verify(request.join_token);
      const taken = await this.clusters.findByName(details.cluster_name);
      if (taken) throw this.nameTaken(details.cluster_name, taken.id);
      token = await this.tokens.consume(request.join_token);
    } catch (error) {
      if (error instanceof JoinTokenRefusedError) {
        this.logger.warn(
          { name: details.cluster_name, ip: details.ip, reason: error.reason },
          'registration refused: join token',
        );
        throw new ClusterRegistrationError('permission_denied', error.reason);
      }
      throw error;
    }
    const secret = generateClusterSecret();
    try {
      const cluster = await this.clusters.insert(
        this.clusters.newId(),
        details,
        hashSecret(secret),
        token.id,
        now,
      );
      await this.tokens.recordCluster(token, cluster.id);
      this.logger.info(
        { clusterId: cluster.id, name: cluster.cluster_name, ip: details.ip, tokenId: token.id },
        'new cluster registered',
      );
      return { id: cluster.id, cluster_secret: secret };
    } catch (error) {
      await this.tokens.returnUse(token);
      if (error instanceof DuplicateClusterNameError) throw this.nameTaken(details.cluster_name);
      throw error;
    }
  }

  private async updateDetails(id: string, details: ClusterDetails, now: Date): Promise<void> {
    try {
      await this.clusters.updateDetails(id, details, now);
    } catch (error) {
      if (error instanceof DuplicateClusterNameError) throw this.nameTaken(details.cluster_name);
      throw error;
    }
  }

  private nameTaken(name: string, id?: string): ClusterRegistrationError {
    return new ClusterRegistrationError(
      'already_exists',
      `a cluster named "${name}" is registered already${id ? ` (id ${id})` : ''}; ` +
        'a cluster comes back with the id and secret it stored at its first registration ' +
        '(lost them? an Admin can forget the old cluster: DELETE /api/clusters/<id>)',
    );
  }
}
