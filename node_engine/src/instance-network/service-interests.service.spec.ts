import pino from 'pino';
import type { ServiceCounters } from '../network';
import type { QueriedService } from './query-table';
import { ServiceInterests, type InterestTable } from './service-interests.service';

const logger = pino({ level: 'silent' });

function setup(ttlMs = 60_000) {
  const pinned = new Set<string>();
  const published: { topic: string; body: unknown }[] = [];
  const subscribed = new Set<string>();
  let queried: QueriedService[] = [];
  let counters: ServiceCounters = { generation: 1, packets: new Map() };
  const local = new Set<string>();
  const table: InterestTable = {
    tableAddresses: () =>
      new Set(['10.30.1.1', ...queried.flatMap((q) => q.serviceIps.map((i) => i.Address))]),
    setQueried: async (s) => {
      queried = s;
    },
    hasLocalInstance: (job) => local.has(job),
    serviceCounters: async () => counters,
  };
  const interests = new ServiceInterests({
    nodeId: 'w1',
    table,
    logger,
    ttlMs,
    pinned: (job) => pinned.has(job),
    transport: {
      publish: (topic, body) => published.push({ topic, body }),
      subscribe: (t) => subscribed.add(t),
      unsubscribe: (t) => subscribed.delete(t),
    },
  });
  return {
    interests,
    published,
    subscribed,
    local,
    pinned,
    queried: () => queried,
    setCounters: (c: ServiceCounters) => (counters = c),
  };
}

const found = (sip: string) =>
  JSON.stringify({
    app_name: 'far.db',
    query_key: sip,
    found: true,
    service_ips: [{ IpType: 'RR', Address: sip }],
    instance_list: [{ instance_number: 0, namespace_ip: '10.18.9.2', worker_id: 'w9' }],
  });

describe(ServiceInterests.name, () => {
  afterEach(() => jest.useRealTimers());

  it('queries a miss once (pending), not for known addresses, and not while negatively cached', async () => {
    jest.useFakeTimers({ now: 0 });
    const t = setup();
    t.interests.onMiss('10.30.1.1'); // in the cluster table
    t.interests.onMiss('10.30.5.5');
    t.interests.onMiss('10.30.5.5');
    expect(t.published).toEqual([
      { topic: 'nodes/w1/net/tablequery/request', body: { sip: '10.30.5.5' } },
    ]);
    await t.interests.onResult(
      JSON.stringify({ app_name: '', query_key: '10.30.5.5', found: false, instance_list: [] }),
    );
    jest.setSystemTime(4_000);
    t.interests.onMiss('10.30.5.5');
    expect(t.published).toHaveLength(1);
    jest.setSystemTime(5_001);
    t.interests.onMiss('10.30.5.5');
    expect(t.published).toHaveLength(2);
  });

  it("prefetches the application's services by name: once, not when known, never a bad name", async () => {
    jest.useFakeTimers({ now: 0 });
    const t = setup();
    expect(
      t.interests.prefetch(['app.ns.db.ns', 'far.db', 'app.ns.db.ns', 'bad/name', '+']),
    ).toEqual(['app.ns.db.ns', 'far.db']);
    expect(t.published).toEqual([
      { topic: 'nodes/w1/net/tablequery/request', body: { sname: 'app.ns.db.ns' } },
      { topic: 'nodes/w1/net/tablequery/request', body: { sname: 'far.db' } },
    ]);
    // Answered: far.db is an interest now, in the table before any packet was sent.
    await t.interests.onResult(found('10.30.5.5'));
    expect(t.queried().map((q) => q.jobName)).toEqual(['far.db']);
    expect(t.subscribed).toEqual(new Set(['jobs/far.db/updates_available']));
    // A second instance of the same application: nothing new to ask while app.ns.db.ns is pending.
    expect(t.interests.prefetch(['app.ns.db.ns', 'far.db'])).toEqual([]);
    // An unanswered query is asked again once it is no longer pending.
    jest.setSystemTime(5_001);
    expect(t.interests.prefetch(['app.ns.db.ns', 'far.db'])).toEqual(['app.ns.db.ns']);
  });

  it('a found service joins the table, subscribes its updates, and re-queries on a signal', async () => {
    const t = setup();
    t.interests.onMiss('10.30.5.5');
    await t.interests.onResult(found('10.30.5.5'));
    expect(t.queried().map((q) => q.jobName)).toEqual(['far.db']);
    expect([...t.subscribed]).toEqual(['jobs/far.db/updates_available']);
    t.interests.onMiss('10.30.5.5'); // now known: no query
    t.interests.onJobUpdate('far.db');
    t.interests.onJobUpdate('unrelated');
    expect(t.published.map((p) => p.body)).toEqual([{ sip: '10.30.5.5' }, { sname: 'far.db' }]);
  });

  it('drops an idle interest after the TTL: entries, subscription, interest/remove', async () => {
    jest.useFakeTimers({ now: 0 });
    const t = setup(10_000);
    await t.interests.onResult(found('10.30.5.5'));
    t.setCounters({ generation: 1, packets: new Map([['10.30.5.5', 3]]) });
    jest.setSystemTime(8_000);
    await t.interests.checkExpiry(); // traffic at 8 s
    jest.setSystemTime(17_000);
    await t.interests.checkExpiry();
    expect(t.interests.jobs).toEqual(['far.db']);
    jest.setSystemTime(18_000);
    await t.interests.checkExpiry();
    expect(t.interests.jobs).toEqual([]);
    expect(t.queried()).toEqual([]);
    expect(t.subscribed.size).toBe(0);
    expect(t.published.at(-1)).toEqual({
      topic: 'nodes/w1/net/interest/remove',
      body: { appname: 'far.db' },
    });
  });

  it('keeps an interest with a local instance', async () => {
    jest.useFakeTimers({ now: 0 });
    const t = setup(1_000);
    t.local.add('far.db');
    await t.interests.onResult(found('10.30.5.5'));
    jest.setSystemTime(100_000);
    await t.interests.checkExpiry();
    expect(t.interests.jobs).toEqual(['far.db']);
  });

  it('keeps a pinned interest (a sibling of a local instance) while it is pinned', async () => {
    jest.useFakeTimers({ now: 0 });
    const t = setup(1_000);
    t.pinned.add('far.db');
    await t.interests.onResult(found('10.30.5.5'));
    jest.setSystemTime(100_000);
    await t.interests.checkExpiry();
    expect(t.interests.jobs).toEqual(['far.db']);
    t.pinned.delete('far.db'); // the instance that named it is gone
    await t.interests.checkExpiry();
    expect(t.interests.jobs).toEqual([]);
  });

  it('ignores invalid results and job names that cannot be topics', async () => {
    const t = setup();
    await t.interests.onResult('garbage');
    await t.interests.onResult(found('10.30.5.5').replace('far.db', 'far/db'));
    expect(t.queried()).toEqual([]);
    expect(t.subscribed.size).toBe(0);
  });
});
