import { ClusterInfoKey, formatClusterGreeting } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { type ClusterIdentity, ClusterIdentityRepository } from './cluster-identity.repository';
import { grpcCode, grpcDetails, RootGrpcClient } from './root-grpc.client';
import { isRegistrationRefusal, RegistrationRefusedError } from './registration.rules';

/** Per call; Oakestra's cluster manager waits up to 120 s for the whole handshake. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * Oakestra's registration handshake (reference §4.1): `handle_init_greeting` with
 * `{cluster_name, location}`, then `handle_init_final` with the cluster's details, its join
 * token and, when it registered before, the stored id and secret, so a restarted cluster comes
 * back as itself. A new secret in the answer is persisted before it is used.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly config: ClusterConfig,
    private readonly client: RootGrpcClient,
    private readonly identities: ClusterIdentityRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('Registration');
  }

  /**
   * Registers (or re-registers) and returns the identity to use. Throws
   * RegistrationRefusedError when the root refuses, any other error when it could not be asked.
   */
  async register(): Promise<ClusterIdentity> {
    const stored = await this.identities.load();
    try {
      await this.client.greet(
        {
          hello_service_manager: formatClusterGreeting({
            cluster_name: this.config.CLUSTER_NAME,
            location: this.config.CLUSTER_LOCATION ?? '',
          }),
        },
        CALL_TIMEOUT_MS,
      );
      const answer = await this.client.finalize(
        {
          manager_port: this.config.CLUSTER_HTTP_PORT,
          network_component_port: 0,
          cluster_name: this.config.CLUSTER_NAME,
          cluster_location: this.config.CLUSTER_LOCATION ?? '',
          cluster_address: '',
          cluster_info: [
            { key: ClusterInfoKey.REPORT_INTERVAL_MS, value: String(this.config.reportIntervalMs) },
          ],
          join_token: this.config.CLUSTER_JOIN_TOKEN,
          cluster_id: stored?.cluster_id ?? '',
          cluster_secret: stored?.cluster_secret ?? '',
        },
        CALL_TIMEOUT_MS,
      );
      return await this.adopt(stored, answer.id, answer.cluster_secret);
    } catch (error) {
      const code = grpcCode(error);
      if (isRegistrationRefusal(code)) {
        throw new RegistrationRefusedError(code as number, grpcDetails(error));
      }
      throw error;
    }
  }

  private async adopt(
    stored: ClusterIdentity | null,
    id: string,
    secret: string,
  ): Promise<ClusterIdentity> {
    if (id === '') throw new Error('the root answered without a cluster id');
    const sameCluster = stored !== null && stored.cluster_id === id;
    if (secret === '' && !sameCluster) {
      throw new Error('the root assigned a new cluster id without a secret');
    }
    const identity = {
      cluster_id: id,
      cluster_secret: secret !== '' ? secret : (stored?.cluster_secret ?? ''),
      root_url: this.config.ROOT_URL,
    };
    if (!sameCluster || secret !== '') {
      // Persist BEFORE using it: a crash now must not lose the identity the root just created.
      await this.identities.save(identity);
    }
    if (sameCluster) {
      this.logger.info({ clusterId: id }, 're-registered with the root as the same cluster');
    } else {
      this.logger.info(
        { clusterId: id, previous: stored?.cluster_id },
        stored === null
          ? 'registered with the root: new cluster id stored'
          : 'the root did not know the stored identity: registered anew with the join token',
      );
    }
    return { ...identity, registered_at: stored?.registered_at ?? new Date() };
  }
}
