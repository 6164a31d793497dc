import { factory } from '../testing/factories';
import {
  applyDelete,
  applyDeploy,
  EMPTY_DESIRED_SET,
  markFinished,
  MAX_TOMBSTONES,
  pruneTombstones,
  TOMBSTONE_TTL_MS,
  type DesiredChange,
  type DesiredSet,
} from './desired-set';

const now = new Date('2025-01-01T00:00:00Z');
const K = 'app.ns.web.ns#0';

function changed(change: DesiredChange): DesiredSet {
  if (!change.changed)
    throw new Error(`expected a change, got ${change.outcome}: ${change.detail}`);
  return change.set;
}

const deploy = (set: DesiredSet, generation: number | undefined, image = 'img:1') =>
  applyDeploy(set, factory.spec({ generation, image }), now);
const del = (set: DesiredSet, generation: number | undefined) =>
  applyDelete(set, { job_name: 'app.ns.web.ns', instance_number: 0, generation }, now);

describe('desired set generations', () => {
  it('adds a new instance, then ignores the same generation (duplicate)', () => {
    const set = changed(deploy(EMPTY_DESIRED_SET, 1));
    expect(set.instances.get(K)?.spec.generation).toBe(1);
    expect(deploy(set, 1)).toMatchObject({ changed: false, outcome: 'duplicate' });
    // Same generation with other content: the first one wins (the cluster bumps on change).
    expect(deploy(set, 1, 'img:2')).toMatchObject({ changed: false, outcome: 'duplicate' });
  });

  it('replaces with a newer generation and ignores an older one arriving late', () => {
    const v1 = changed(deploy(EMPTY_DESIRED_SET, 1));
    const v3 = changed(deploy(v1, 3, 'img:3'));
    expect(deploy(v1, 3, 'img:3')).toMatchObject({ outcome: 'replaced' });
    expect(deploy(v3, 2, 'img:2')).toMatchObject({ changed: false, outcome: 'stale' });
    expect(v3.instances.get(K)?.spec.image).toBe('img:3');
  });

  it('deletes with the same or a newer generation and remembers it', () => {
    const set = changed(deploy(EMPTY_DESIRED_SET, 4));
    for (const g of [4, 5]) {
      const after = changed(del(set, g));
      expect(after.instances.has(K)).toBe(false);
      expect(after.tombstones.get(K)?.generation).toBe(g);
    }
  });

  it('ignores a delete older than the desired generation (reordered after a redeploy)', () => {
    const set = changed(deploy(EMPTY_DESIRED_SET, 6));
    expect(del(set, 5)).toMatchObject({ changed: false, outcome: 'stale' });
  });

  it('ignores a deploy that arrives after the delete of its generation (reordered)', () => {
    const deletedFirst = changed(del(EMPTY_DESIRED_SET, 7)); // delete overtook its deploy
    expect(deletedFirst).toMatchObject({ instances: new Map() });
    expect(deploy(deletedFirst, 7)).toMatchObject({ changed: false, outcome: 'stale' });
    expect(deploy(deletedFirst, 6)).toMatchObject({ changed: false, outcome: 'stale' });
    const redeployed = changed(deploy(deletedFirst, 8));
    expect(redeployed.tombstones.has(K)).toBe(false);
  });

  describe('a job name reused by another service (app deleted and created again)', () => {
    const OLD = '65a0000000000000000000aa';
    const NEW = '65a0000000000000000000bb';
    const deployOf = (set: DesiredSet, _id: string, generation: number) =>
      applyDeploy(set, { ...factory.spec({ generation }), _id }, now);
    const delOf = (set: DesiredSet, _id: string | undefined, generation: number) =>
      applyDelete(
        set,
        { job_name: 'app.ns.web.ns', instance_number: 0, generation, ...(_id ? { _id } : {}) },
        now,
      );

    it("deploys the new service's generation 0 although the old one was deleted at 0", () => {
      const deleted = changed(delOf(changed(deployOf(EMPTY_DESIRED_SET, OLD, 0)), OLD, 0));
      expect(deleted.tombstones.get(K)?.serviceId).toBe(OLD);
      expect(deployOf(deleted, OLD, 0)).toMatchObject({ changed: false, outcome: 'stale' });
      const fresh = changed(deployOf(deleted, NEW, 0));
      expect(fresh.instances.get(K)?.spec._id).toBe(NEW);
    });

    it('a tombstone without _id (delete before its deploy) still learns the service from the deploy it removed', () => {
      const deleted = changed(delOf(changed(deployOf(EMPTY_DESIRED_SET, OLD, 3)), undefined, 3));
      expect(deleted.tombstones.get(K)?.serviceId).toBe(OLD);
    });

    it("replaces the old service's instance whatever the generations", () => {
      const old = changed(deployOf(EMPTY_DESIRED_SET, OLD, 5));
      expect(deployOf(old, NEW, 0)).toMatchObject({ changed: true, outcome: 'replaced' });
    });

    it('never lets a late delete of the old service remove the new one', () => {
      const fresh = changed(deployOf(EMPTY_DESIRED_SET, NEW, 0));
      expect(delOf(fresh, OLD, 9)).toMatchObject({ changed: false, outcome: 'stale' });
      expect(changed(delOf(fresh, NEW, 0)).instances.has(K)).toBe(false);
    });
  });

  it('treats a repeated delete as a duplicate', () => {
    const once = changed(del(changed(deploy(EMPTY_DESIRED_SET, 2)), 2));
    expect(del(once, 2)).toMatchObject({ changed: false, outcome: 'duplicate' });
    expect(del(once, 1)).toMatchObject({ changed: false, outcome: 'duplicate' });
  });

  it('handles any interleaving of duplicated and reordered messages of one lifecycle', () => {
    // Lifecycle: deploy g1, deploy g2 (update), delete g3. Every order of every message delivered
    // once or twice must end without the instance.
    const messages = [
      (s: DesiredSet) => deploy(s, 1, 'img:1'),
      (s: DesiredSet) => deploy(s, 2, 'img:2'),
      (s: DesiredSet) => del(s, 3),
    ];
    const orders = permutations([0, 1, 2, 0, 1, 2]);
    for (const order of orders) {
      let set = EMPTY_DESIRED_SET;
      for (const i of order) {
        const change = messages[i]?.(set);
        if (change?.changed) set = change.set;
      }
      expect(set.instances.has(K)).toBe(false);
    }
    // Without the delete, the newest deploy always wins.
    for (const order of permutations([0, 1, 0, 1])) {
      let set = EMPTY_DESIRED_SET;
      for (const i of order) {
        const change = messages[i]?.(set);
        if (change?.changed) set = change.set;
      }
      expect(set.instances.get(K)?.spec.image).toBe('img:2');
    }
  });

  describe('without generations (an Oakestra cluster)', () => {
    it('applies every deploy (last one wins) and ignores identical repeats', () => {
      const a = changed(deploy(EMPTY_DESIRED_SET, undefined, 'img:1'));
      expect(deploy(a, undefined, 'img:1')).toMatchObject({ changed: false, outcome: 'duplicate' });
      const b = changed(deploy(a, undefined, 'img:2'));
      expect(b.instances.get(K)?.spec.image).toBe('img:2');
    });

    it('deletes unconditionally and leaves no tombstone', () => {
      const set = changed(del(changed(deploy(EMPTY_DESIRED_SET, undefined)), undefined));
      expect(set.instances.size).toBe(0);
      expect(set.tombstones.size).toBe(0);
      expect(del(set, undefined)).toMatchObject({ changed: false, outcome: 'unknown-instance' });
    });
  });

  it('records how a one-shot instance finished, once', () => {
    const set = changed(deploy(EMPTY_DESIRED_SET, 1));
    const finished = { status: 'COMPLETED' as const, exitCode: 0, at: now.toISOString() };
    const marked = markFinished(set, K, finished);
    expect(marked.instances.get(K)?.finished).toEqual(finished);
    expect(markFinished(marked, K, finished)).toBe(marked);
    expect(markFinished(set, 'other#1', finished)).toBe(set);
    // A new generation starts without the record: the one-shot runs again.
    expect(changed(deploy(marked, 2)).instances.get(K)?.finished).toBeUndefined();
  });

  it('prunes tombstones by age and count', () => {
    const old = new Date(now.getTime() - TOMBSTONE_TTL_MS - 1).toISOString();
    const tombstones = new Map([
      ['old#0', { generation: 1, at: old }],
      ['new#0', { generation: 1, at: now.toISOString() }],
    ]);
    expect([...pruneTombstones(tombstones, now).keys()]).toEqual(['new#0']);
    const many = new Map(
      Array.from({ length: MAX_TOMBSTONES + 5 }, (_, i) => [
        `j#${i}`,
        { generation: 1, at: new Date(now.getTime() - i).toISOString() },
      ]),
    );
    const kept = pruneTombstones(many, now);
    expect(kept.size).toBe(MAX_TOMBSTONES);
    expect(kept.has('j#0')).toBe(true);
    expect(kept.has(`j#${MAX_TOMBSTONES + 4}`)).toBe(false);
  });
});

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  const out = new Map<string, number[]>();
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) {
      const p = [item, ...rest];
      out.set(p.join(','), p);
    }
  });
  return [...out.values()];
}
