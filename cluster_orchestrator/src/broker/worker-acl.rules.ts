import { isValidTopicSegment, MqttSubscriptions } from '@canopy/contracts';
import { DynsecAclType } from './dynsec.constants';
import type { DynsecAcl } from './dynsec.protocol';

/** Broker username and role name of a worker are both `canopy-worker-<id>`. */
export const WORKER_NAME_PREFIX = 'canopy-worker-';

/** First level of every per-worker topic (libs/contracts mqtt-topics.ts: `nodes/<id>/...`). */
const NODES_TOPIC_ROOT = 'nodes';

/**
 * Throws RangeError unless `workerId` is one safe topic level. The id is pasted into ACL
 * filters, so a `+` or `#` in it would widen the worker's rights to other workers' topics.
 */
export function assertWorkerId(workerId: unknown): asserts workerId is string {
  if (!isValidTopicSegment(workerId)) {
    throw new RangeError(
      `worker id ${JSON.stringify(workerId)} cannot be used for MQTT credentials ` +
        '(it must be one MQTT topic level: non-empty, at most 256 characters, no / + # or NUL)',
    );
  }
}

export function workerUsername(workerId: string): string {
  return `${WORKER_NAME_PREFIX}${workerId}`;
}

export function workerRolename(workerId: string): string {
  return `${WORKER_NAME_PREFIX}${workerId}`;
}

/** `nodes/<id>/#`: everything the worker's node engine and net manager use. */
export function workerTopicFilter(workerId: string): string {
  return `${NODES_TOPIC_ROOT}/${workerId}/#`;
}

/**
 * The worker role's ACLs. Everything else is denied by the broker's defaults
 * (publishClientSend and subscribe deny); publishClientReceive is listed too so delivery stays
 * limited to the worker's topics even if the default for receiving is allow.
 *
 * Besides its own topics a worker may only LISTEN to `jobs/+/updates_available` (Oakestra's
 * update signal for services it is interested in): a bare "re-query" signal carrying no table,
 * so a worker learns at most which job names change, and it can never publish there.
 */
export function workerRoleAcls(workerId: string): DynsecAcl[] {
  const topic = workerTopicFilter(workerId);
  const updates = MqttSubscriptions.ALL_JOB_UPDATES;
  return [
    { acltype: DynsecAclType.PUBLISH_CLIENT_SEND, topic, allow: true },
    { acltype: DynsecAclType.SUBSCRIBE_PATTERN, topic, allow: true },
    { acltype: DynsecAclType.PUBLISH_CLIENT_RECEIVE, topic, allow: true },
    { acltype: DynsecAclType.SUBSCRIBE_PATTERN, topic: updates, allow: true },
    { acltype: DynsecAclType.PUBLISH_CLIENT_RECEIVE, topic: updates, allow: true },
  ];
}

export interface AclChanges {
  remove: Pick<DynsecAcl, 'acltype' | 'topic'>[];
  add: DynsecAcl[];
}

const aclKey = (acl: Pick<DynsecAcl, 'acltype' | 'topic'>): string =>
  `${acl.acltype}\u0000${acl.topic}`;

/**
 * The removeRoleACL/addRoleACL steps that turn `current` into `desired`. The broker keys ACLs
 * by (acltype, topic) and refuses to add a second one with the same key, so an ACL whose
 * `allow` or priority differs is removed and added again. Removals come first for that reason.
 */
export function diffRoleAcls(
  current: readonly DynsecAcl[],
  desired: readonly DynsecAcl[],
): AclChanges {
  const wanted = new Map(desired.map((acl) => [aclKey(acl), acl]));
  const same = (a: DynsecAcl, b: DynsecAcl): boolean =>
    a.allow === b.allow && (a.priority ?? 0) === (b.priority ?? 0);
  const kept = new Set<string>();
  const removed = new Set<string>();
  const remove: AclChanges['remove'] = [];
  for (const acl of current) {
    const key = aclKey(acl);
    const target = wanted.get(key);
    if (target && same(acl, target)) {
      kept.add(key);
    } else if (!removed.has(key)) {
      removed.add(key);
      remove.push({ acltype: acl.acltype, topic: acl.topic });
    }
  }
  const add = desired.filter((acl) => !kept.has(aclKey(acl)));
  return { remove, add };
}
