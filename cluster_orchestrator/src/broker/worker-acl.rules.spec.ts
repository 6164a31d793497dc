import { MqttSubscriptions, MqttTopics } from '@canopy/contracts';
import { DynsecAclType } from './dynsec.constants';
import type { DynsecAcl } from './dynsec.protocol';
import {
  assertWorkerId,
  diffRoleAcls,
  workerRoleAcls,
  workerRolename,
  workerTopicFilter,
  workerUsername,
} from './worker-acl.rules';

/** MQTT filter matching, enough for filters that end in `/#`. */
function matchesHashFilter(filter: string, topic: string): boolean {
  const prefix = filter.slice(0, -'#'.length);
  return topic.startsWith(prefix) || `${topic}/` === prefix;
}

describe('worker ACL rules', () => {
  it('names client and role canopy-worker-<id>', () => {
    expect(workerUsername('w1')).toBe('canopy-worker-w1');
    expect(workerRolename('w1')).toBe('canopy-worker-w1');
  });

  it('allows send, subscribe and receive on nodes/<id>/#, and only listening to job updates', () => {
    expect(workerRoleAcls('w1')).toEqual([
      { acltype: 'publishClientSend', topic: 'nodes/w1/#', allow: true },
      { acltype: 'subscribePattern', topic: 'nodes/w1/#', allow: true },
      { acltype: 'publishClientReceive', topic: 'nodes/w1/#', allow: true },
      { acltype: 'subscribePattern', topic: 'jobs/+/updates_available', allow: true },
      { acltype: 'publishClientReceive', topic: 'jobs/+/updates_available', allow: true },
    ]);
    expect(
      workerRoleAcls('w1')
        .filter((a) => a.acltype === 'publishClientSend')
        .map((a) => a.topic),
    ).toEqual(['nodes/w1/#']);
  });

  it('covers every per-node topic and subscription of the contracts for that worker only', () => {
    const filter = workerTopicFilter('w1');
    const own = [
      ...Object.values(MqttTopics)
        .filter((build) => build !== MqttTopics.jobUpdatesAvailable)
        .map((build) => build('w1')),
      ...MqttSubscriptions.nodeEngine('w1'),
      ...MqttSubscriptions.netManager('w1'),
    ];
    for (const topic of own) expect(matchesHashFilter(filter, topic)).toBe(true);
    expect(matchesHashFilter(filter, MqttTopics.nodeInformation('w10'))).toBe(false);
    expect(matchesHashFilter(filter, MqttTopics.nodeInformation('w2'))).toBe(false);
  });

  it.each(['', 'a/b', '+', 'w#', 'w\0', 'x'.repeat(257), 42, undefined])(
    'refuses worker id %j with a RangeError',
    (id) => expect(() => assertWorkerId(id)).toThrow(RangeError),
  );

  it.each(['w1', '64b0c0ffee0000000000beef', 'edge-node.local', 'w_1_x'])('accepts %j', (id) =>
    expect(() => assertWorkerId(id)).not.toThrow(),
  );
});

describe(diffRoleAcls.name, () => {
  const desired = workerRoleAcls('w1');
  const withPriority = (acls: DynsecAcl[]): DynsecAcl[] =>
    acls.map((acl) => ({ ...acl, priority: 0 }));

  it('changes nothing when the role already has exactly the ACLs (broker adds priority 0)', () => {
    expect(diffRoleAcls(withPriority(desired), desired)).toEqual({ remove: [], add: [] });
  });

  it('adds what is missing to an empty role', () => {
    expect(diffRoleAcls([], desired)).toEqual({ remove: [], add: desired });
  });

  it('removes extra ACLs and re-adds ones whose allow or priority differs', () => {
    const [send, subscribe, receive, ...updates] = desired;
    if (!send || !subscribe || !receive) throw new Error('expected three ACLs');
    const current: DynsecAcl[] = [
      { ...send, allow: false },
      { ...subscribe, priority: 5 },
      receive,
      ...updates,
      { acltype: DynsecAclType.SUBSCRIBE_PATTERN, topic: '#', allow: true },
    ];
    expect(diffRoleAcls(current, desired)).toEqual({
      remove: [
        { acltype: 'publishClientSend', topic: 'nodes/w1/#' },
        { acltype: 'subscribePattern', topic: 'nodes/w1/#' },
        { acltype: 'subscribePattern', topic: '#' },
      ],
      add: [send, subscribe],
    });
  });

  it('removes a key once even if listed twice', () => {
    const extra: DynsecAcl = {
      acltype: DynsecAclType.PUBLISH_CLIENT_SEND,
      topic: '#',
      allow: true,
    };
    expect(diffRoleAcls([extra, extra], []).remove).toEqual([
      { acltype: 'publishClientSend', topic: '#' },
    ]);
  });
});
