import {
  type CS1Message,
  type CS2Message,
  type RegisterClusterController,
  RegisterClusterControllerMethods,
  type SC1Message,
  type SC2Message,
} from '@canopy/contracts/grpc';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterRegistrationService } from '../clusters/cluster-registration.service';
import { ClusterRegistrationError } from '../clusters/cluster-registration.rules';
import { toRpcException } from './grpc-errors';

/** Oakestra's `clusterRegistration.register_cluster` (reference §4.1), on ROOT_GRPC_PORT. */
@Controller()
@RegisterClusterControllerMethods()
export class RegistrationGrpcController implements RegisterClusterController {
  constructor(
    private readonly registration: ClusterRegistrationService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('RegistrationGrpc');
  }

  handleInitGreeting(request: CS1Message): SC1Message {
    try {
      return this.registration.greet(request);
    } catch (error) {
      throw toRpcException(error);
    }
  }

  async handleInitFinal(
    request: CS2Message,
    _metadata?: Metadata,
    call?: ServerUnaryCall<CS2Message, SC2Message>,
  ): Promise<SC2Message> {
    try {
      return await this.registration.register(request, call?.getPeer());
    } catch (error) {
      if (!(error instanceof ClusterRegistrationError)) {
        this.logger.error({ error: (error as Error).message }, 'registration failed');
      }
      throw toRpcException(error);
    }
  }
}
