import { randomUUID } from 'node:crypto';
import type { ClusterMessage, RemotePeers, ServiceTable } from '@canopy/contracts/grpc';
import { Injectable } from '@nestjs/common';

/** How long a table query waits for the root before the worker is answered without it. */
export const ROOT_QUERY_TIMEOUT_MS = 2_000;

/** Bound on unanswered queries, so a root that never answers cannot grow this map. */
const MAX_PENDING_QUERIES = 1_000;

export type HierarchyQuery = { job_name: string } | { service_ip: string };

interface Pending {
  resolve: (table: ServiceTable | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * The network side of the session to the root, without depending on the session machinery:
 * RootSessionService attaches a sender while a session is up and hands over the root's network
 * messages; the network services ask questions and listen for pushes through this object. With
 * no session, queries resolve to undefined at once (the cluster keeps serving what it knows).
 *
 * INVARIANT: a query is answered at most once: by the root's ServiceTable with its request_id,
 * by the timeout, or by the session ending, whichever comes first.
 */
@Injectable()
export class HierarchyLink {
  private send: ((message: ClusterMessage) => void) | undefined;
  private clusterId: string | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly tableListeners: ((table: ServiceTable) => void)[] = [];
  private readonly peerListeners: ((peers: RemotePeers) => void)[] = [];
  private readonly openListeners: (() => void)[] = [];

  /** A session was welcomed: messages can go up; interests must be registered again. */
  attach(clusterId: string, send: (message: ClusterMessage) => void): void {
    this.clusterId = clusterId;
    this.send = send;
    for (const listener of this.openListeners) listener();
  }

  /** The session ended: the root forgot this session's interests; open queries fail. */
  detach(): void {
    this.send = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(undefined);
      this.pending.delete(id);
    }
  }

  /** This cluster's id at the root, once known (tables name the cluster of each instance). */
  ownClusterId(): string | undefined {
    return this.clusterId;
  }

  connected(): boolean {
    return this.send !== undefined;
  }

  /**
   * Asks the root for a service's table across the hierarchy; the root registers this
   * session's interest in it. Undefined when there is no session or no answer in time.
   */
  query(
    what: HierarchyQuery,
    timeoutMs = ROOT_QUERY_TIMEOUT_MS,
  ): Promise<ServiceTable | undefined> {
    const send = this.send;
    if (send === undefined || this.pending.size >= MAX_PENDING_QUERIES) {
      return Promise.resolve(undefined);
    }
    const request_id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(request_id);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(request_id, { resolve, timer });
      send({
        service_query: {
          request_id,
          job_name: 'job_name' in what ? what.job_name : '',
          service_ip: 'service_ip' in what ? what.service_ip : '',
        },
      });
    });
  }

  /** No worker of this cluster needs the service any more. */
  removeInterest(jobName: string): void {
    this.send?.({ interest_remove: { job_name: jobName } });
  }

  /** A ServiceTable from the root: the answer to a query, or a push for an interest. */
  deliverTable(table: ServiceTable): void {
    if (table.request_id !== '') {
      const p = this.pending.get(table.request_id);
      if (p !== undefined) {
        this.pending.delete(table.request_id);
        clearTimeout(p.timer);
        p.resolve(table);
      }
      // A late answer still carries the freshest table: listeners may use it.
    }
    for (const listener of this.tableListeners) listener(table);
  }

  deliverRemotePeers(peers: RemotePeers): void {
    for (const listener of this.peerListeners) listener(peers);
  }

  onTable(listener: (table: ServiceTable) => void): void {
    this.tableListeners.push(listener);
  }

  onRemotePeers(listener: (peers: RemotePeers) => void): void {
    this.peerListeners.push(listener);
  }

  onSessionOpen(listener: () => void): void {
    this.openListeners.push(listener);
  }
}
