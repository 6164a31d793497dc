import {
  type ClusterMessage,
  type ClusterSessionController,
  ClusterSessionControllerMethods,
  type RootMessage,
} from '@canopy/contracts/grpc';
import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { ClusterSessionService } from '../cluster-session/cluster-session.service';
import { toRpcException } from './grpc-errors';

/** `canopy.session.v1.ClusterSession/Connect`: the cluster-dialled session stream. */
@Controller()
@ClusterSessionControllerMethods()
export class ClusterSessionGrpcController implements ClusterSessionController {
  constructor(private readonly sessions: ClusterSessionService) {}

  connect(
    request: Observable<ClusterMessage>,
    _metadata?: Metadata,
    call?: ServerDuplexStream<ClusterMessage, RootMessage>,
  ): Observable<RootMessage> {
    return this.sessions
      .open(request, call?.getPeer())
      .pipe(catchError((error: unknown) => throwError(() => toRpcException(error))));
  }
}
