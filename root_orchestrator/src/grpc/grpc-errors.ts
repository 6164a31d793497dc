import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { SessionRefusedError } from '../cluster-session/cluster-session.service';
import {
  ClusterRegistrationError,
  type RegistrationRefusal,
} from '../clusters/cluster-registration.rules';

const REFUSAL_CODES: Record<RegistrationRefusal, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  already_exists: status.ALREADY_EXISTS,
};

/**
 * Domain errors → gRPC status (services never import transport types). Anything unexpected is
 * INTERNAL with a generic message; the details are in the root's log.
 */
export function toRpcException(error: unknown): RpcException {
  if (error instanceof ClusterRegistrationError) {
    return new RpcException({ code: REFUSAL_CODES[error.kind], message: error.message });
  }
  if (error instanceof SessionRefusedError) {
    return new RpcException({ code: status.UNAUTHENTICATED, message: error.message });
  }
  if (error instanceof RpcException) return error;
  return new RpcException({ code: status.INTERNAL, message: 'internal error; see the root log' });
}
