import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { DynsecClient } from './dynsec.client';
import {
  assertWorkerId,
  diffRoleAcls,
  workerRoleAcls,
  workerRolename,
  workerUsername,
} from './worker-acl.rules';

export interface WorkerMqttCredentials {
  username: string;
  password: string;
}

/** 24 random bytes: 192 bits, 32 URL-safe characters. */
const PASSWORD_BYTES = 24;

/**
 * Per-worker MQTT credentials in the broker's dynamic-security plugin: client and role
 * `canopy-worker-<id>`, whose ACLs allow only `nodes/<id>/#` (DESIGN.md "Security": a worker
 * touches only its own topics).
 *
 * Both operations are idempotent and converge the broker to the wanted state whatever was there
 * before (a half-finished earlier call, an edited role). INVARIANT: calls for one worker id run
 * one after the other in this process, so two concurrent provisions cannot hand out a password
 * that the other one overwrote.
 */
@Injectable()
export class WorkerCredentialsService {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly dynsec: DynsecClient,
    private readonly config: ClusterConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerCredentials');
  }

  /**
   * Role description naming the owning cluster. Several clusters may share one broker (a dev
   * machine, the test suite); this tells them apart when a worker they do not know publishes.
   */
  private roleTextname(workerId: string): string {
    return `Canopy worker ${workerId} of cluster ${this.config.CLUSTER_NAME}`;
  }

  /** True when this cluster provisioned the worker's credentials (its role names this cluster). */
  async provisionedHere(workerId: string): Promise<boolean> {
    assertWorkerId(workerId);
    const role = await this.dynsec.getRole(workerRolename(workerId));
    return role?.textname === this.roleTextname(workerId);
  }

  /**
   * Returns a fresh password every time; any earlier password stops working and sessions that
   * used it are disconnected by the broker. Rejects with RangeError for an unusable id.
   */
  async provision(workerId: string): Promise<WorkerMqttCredentials> {
    assertWorkerId(workerId);
    return this.exclusive(workerId, async () => {
      const username = workerUsername(workerId);
      const rolename = workerRolename(workerId);
      const aclChanges = await this.ensureRole(workerId, rolename);
      const password = randomBytes(PASSWORD_BYTES).toString('base64url');
      const created = await this.dynsec.createClient({
        username,
        password,
        rolenames: [rolename],
        textname: `Canopy worker ${workerId}`,
      });
      if (!created) {
        // Exactly our role and no groups: whatever else was attached could widen its rights.
        await this.dynsec.modifyClient({ username, password, rolenames: [rolename] });
      }
      this.logger.info(
        { workerId, username, clientCreated: created, roleAclChanges: aclChanges },
        'worker MQTT credentials provisioned',
      );
      return { username, password };
    });
  }

  /** Deletes the worker's client (its sessions are disconnected) and role; fine if absent. */
  async revoke(workerId: string): Promise<void> {
    assertWorkerId(workerId);
    await this.exclusive(workerId, async () => {
      const username = workerUsername(workerId);
      // Client first: once it is gone the credentials are dead; a role left behind by a failure
      // after that grants nothing to anyone.
      const clientDeleted = await this.dynsec.deleteClient(username);
      const roleDeleted = await this.dynsec.deleteRole(workerRolename(workerId));
      this.logger.info(
        { workerId, username, clientDeleted, roleDeleted },
        'worker MQTT credentials revoked',
      );
    });
  }

  /** Creates the role, or repairs an existing one's ACLs; returns how many ACL edits it took. */
  private async ensureRole(workerId: string, rolename: string): Promise<number> {
    const desired = workerRoleAcls(workerId);
    if (await this.dynsec.createRole(rolename, desired, this.roleTextname(workerId))) return 0;
    // Gone again since createRole said it exists (a concurrent revoke elsewhere): start over.
    const role = await this.dynsec.getRole(rolename);
    if (!role) {
      await this.dynsec.createRole(rolename, desired, this.roleTextname(workerId));
      return 0;
    }
    const { remove, add } = diffRoleAcls(role.acls, desired);
    for (const acl of remove) await this.dynsec.removeRoleAcl(rolename, acl);
    for (const acl of add) await this.dynsec.addRoleAcl(rolename, acl);
    if (remove.length + add.length > 0) {
      this.logger.warn(
        { workerId, rolename, removed: remove, added: add.length },
        'worker role had different ACLs; repaired',
      );
    }
    return remove.length + add.length;
  }

  private exclusive<T>(workerId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.inFlight.get(workerId) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(workerId, tail);
    void tail.then(() => {
      if (this.inFlight.get(workerId) === tail) this.inFlight.delete(workerId);
    });
    return result;
  }
}
