import type { RootMessage } from '@canopy/contracts/grpc';
import { Injectable } from '@nestjs/common';

/** One open session stream of a cluster, as the rest of the root can use it. */
export interface OpenSession {
  readonly clusterId: string;
  readonly sessionId: string;
  /** Queues a message on the stream; false when the session has ended. */
  send(message: RootMessage): boolean;
  /** Ends the stream (OK status); the cluster reconnects if it still exists. */
  close(reason: string): void;
}

/**
 * The sessions open in THIS root process, by cluster id. The newest session of a cluster wins:
 * registering a session closes the previous one (a cluster that reconnected before the root
 * noticed its old connection died).
 */
@Injectable()
export class SessionRegistry {
  private readonly sessions = new Map<string, OpenSession>();

  register(session: OpenSession): void {
    const previous = this.sessions.get(session.clusterId);
    this.sessions.set(session.clusterId, session);
    if (previous && previous.sessionId !== session.sessionId) {
      previous.close('replaced by a newer session of the same cluster');
    }
  }

  /** Removes the session if it is still the current one; true when it was. */
  unregister(session: Pick<OpenSession, 'clusterId' | 'sessionId'>): boolean {
    const current = this.sessions.get(session.clusterId);
    if (current?.sessionId !== session.sessionId) return false;
    this.sessions.delete(session.clusterId);
    return true;
  }

  get(clusterId: string): OpenSession | undefined {
    return this.sessions.get(clusterId);
  }

  send(clusterId: string, message: RootMessage): boolean {
    return this.sessions.get(clusterId)?.send(message) ?? false;
  }

  closeAll(reason: string): void {
    for (const session of [...this.sessions.values()]) session.close(reason);
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }
}
